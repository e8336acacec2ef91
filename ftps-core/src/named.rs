//! `named_enum!`: names and parsing for the enums the faces take as text, shared by
//! the modules that define such enums ([`crate::config`], [`crate::tls`]).

/// Names and parsing for the enums the faces (C, Python, command line) take as text.
/// Each enum has one canonical name (what `Display` writes) and may accept a few
/// aliases; an unknown name is an [`Error::InvalidArgument`](crate::Error::InvalidArgument)
/// listing the names.
macro_rules! named_enum {
    ($ty:ident, $what:literal, [$($variant:ident => $name:literal $(| $alias:literal)*),+ $(,)?]) => {
        impl $ty {
            /// Every value, in the order of the documentation.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            /// The canonical name, as accepted by `FromStr` and written by `Display`.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
        impl std::str::FromStr for $ty {
            type Err = $crate::error::Error;
            fn from_str(s: &str) -> $crate::error::Result<$ty> {
                match s {
                    $($name $(| $alias)* => Ok($ty::$variant),)+
                    _ => Err($crate::error::Error::invalid(
                        $what,
                        format!(
                            "{s:?} is not one of {}",
                            [$(concat!("\"", $name, "\"")),+].join(", ")
                        ),
                    )),
                }
            }
        }
    };
}

pub(crate) use named_enum;
