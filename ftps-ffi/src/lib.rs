//! The C ABI of ftps (work in progress).
