//! A map from names to values, sorted by name: what a `BTreeMap` did for the settings read from
//! JavaScript and the config view, as a sorted `Vec` (~20 entries; each `BTreeMap` instantiation
//! was ~5 KB of the page's wasm). Iterates, and is written as a JSON object, in name order.

use crate::json::Json;
use std::borrow::Borrow;

#[derive(Debug, Clone, PartialEq)]
pub struct Names<K, V>(Vec<(K, V)>);

impl<K, V> Default for Names<K, V> {
    fn default() -> Self {
        Names(Vec::new())
    }
}

impl<K: Borrow<str>, V> Names<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(name))
    }

    /// Insert `value` under `name`, replacing any value it had.
    pub fn insert(&mut self, name: K, value: V) {
        match self.find(name.borrow()) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.find(name).ok().map(|at| &self.0[at].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// In name order.
    pub fn iter(&self) -> std::slice::Iter<'_, (K, V)> {
        self.0.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a Names<K, V> {
    type Item = &'a (K, V);
    type IntoIter = std::slice::Iter<'a, (K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<K: Borrow<str>, V> std::ops::Index<&str> for Names<K, V> {
    type Output = V;
    fn index(&self, name: &str) -> &V {
        self.get(name).expect("a name in the map")
    }
}

/// A JSON object, in name order.
impl<K: Json, V: Json> Json for Names<K, V> {
    fn write_json(&self, out: &mut String) {
        out.push('{');
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            k.write_json(out);
            out.push(':');
            v.write_json(out);
        }
        out.push('}');
    }
}

/// As serde writes a map (a test compares the two texts).
#[cfg(test)]
impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for Names<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}
