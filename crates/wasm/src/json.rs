//! The view's JSON text, written directly. The page asks for a view every frame (~30 a second,
//! 20–45 KB each with 9 servers busy), and serde's generic serializer was most of that cost in the
//! browser's build (made for size). A struct the view is made of is declared once, with
//! [`json_struct!`], which also writes its fields in the order declared, named as declared: the
//! same text `serde_json` writes for the same struct (tests compare the two byte for byte).

/// A value as JSON text, appended to `out`.
pub trait Json {
    fn write_json(&self, out: &mut String);
}

/// The JSON text of `v`.
pub fn to_json<T: Json + ?Sized>(v: &T, capacity: usize) -> String {
    let mut out = String::with_capacity(capacity);
    v.write_json(&mut out);
    out
}

/// A struct and its [`Json`]: an object of its fields, in order (`#[cfg_attr(test,
/// derive(serde::Serialize))]` on it lets a test check the text against serde's).
#[macro_export]
macro_rules! json_struct {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident : $t:ty,)* }) => {
        $(#[$m])*
        pub struct $name { $($(#[$fm])* pub $f: $t,)* }
        impl $crate::json::Json for $name {
            #[allow(unused_assignments)]
            fn write_json(&self, out: &mut String) {
                let mut sep = '{';
                $(
                    out.push(sep);
                    sep = ',';
                    out.push_str(concat!("\"", stringify!($f), "\":"));
                    $crate::json::Json::write_json(&self.$f, out);
                )*
                out.push('}');
            }
        }
    };
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl Json for $t {
            fn write_json(&self, out: &mut String) {
                out.push_str(itoa::Buffer::new().format(*self));
            }
        }
    )*};
}
integers!(u32, u64, usize, i64);

impl Json for f64 {
    /// As serde_json: the shortest text that reads back as the same number; not finite: null.
    fn write_json(&self, out: &mut String) {
        if self.is_finite() {
            out.push_str(zmij::Buffer::new().format_finite(*self));
        } else {
            out.push_str("null");
        }
    }
}

impl Json for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl Json for str {
    /// A string: `"` and `\` escaped, and the control characters (as serde_json: `\n` and its
    /// kind where there is one, `\u00xx` otherwise).
    fn write_json(&self, out: &mut String) {
        out.push('"');
        let mut run = 0; // start of the text not yet copied
        for (i, b) in self.bytes().enumerate() {
            let short = match b {
                b'"' => '"',
                b'\\' => '\\',
                b'\n' => 'n',
                b'\t' => 't',
                b'\r' => 'r',
                0x08 => 'b',
                0x0c => 'f',
                0..=0x1f => 'u',
                _ => continue,
            };
            out.push_str(&self[run..i]);
            run = i + 1;
            out.push('\\');
            out.push(short);
            if short == 'u' {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
        out.push_str(&self[run..]);
        out.push('"');
    }
}

impl Json for String {
    fn write_json(&self, out: &mut String) {
        self.as_str().write_json(out);
    }
}

impl Json for &'static str {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl<T: Json> Json for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: Json> Json for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.write_json(out);
        }
        out.push(']');
    }
}

impl<T: Json> Json for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl<T: Json, const N: usize> Json for [T; N] {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

/// A pair, as serde writes tuples: an array.
impl<A: Json, B: Json> Json for (A, B) {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        self.0.write_json(out);
        out.push(',');
        self.1.write_json(out);
        out.push(']');
    }
}
