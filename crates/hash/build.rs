//! Compiles `csrc/jpeg_shim.c`, a few lines of C around libjpeg-turbo's decompressor.
//!
//! libjpeg reports fatal errors by calling `error_exit`, which must not return: the C way is
//! `setjmp`/`longjmp`, which Rust cannot do. The shim owns the `setjmp`, so every call that
//! crosses into Rust returns a status code instead, and no panic or unwinding crosses FFI.
//! The headers come from `mozjpeg-sys` (its `links = "jpeg"` exports `DEP_JPEG_INCLUDE`), so the
//! shim sees exactly the configuration the library was compiled with.

fn main() {
    println!("cargo:rerun-if-changed=csrc/jpeg_shim.c");
    let include = std::env::var_os("DEP_JPEG_INCLUDE")
        .expect("mozjpeg-sys did not export DEP_JPEG_INCLUDE (is it a dependency?)");
    let mut build = cc::Build::new();
    for dir in std::env::split_paths(&include) {
        build.include(dir);
    }
    build.file("csrc/jpeg_shim.c").warnings(true).compile("vigie_jpeg_shim");
}
