//! The version string of an ONNX Runtime library, as the library itself reports it.
//!
//! `ort` reads it while loading (to refuse too old a library) but does not expose it, and
//! radflow needs it in the key of every stage whose output the runtime computes: a new
//! runtime may change the last bits of a feature vector. So the same call is made here,
//! through the library's one stable entry point, `OrtGetApiBase()->GetVersionString()`.

use std::ffi::CStr;
use std::path::Path;

/// `1.31.1`, or why the library does not say.
pub fn library_version(path: &Path) -> Result<String, String> {
    // SAFETY: loading runs the library's initializers; it is the ONNX Runtime library the
    // process is about to load anyway (ort's `init_from` opens the same path), and dlopen
    // of an already loaded library returns the same handle.
    let library = unsafe { libloading::Library::new(path) }.map_err(|e| e.to_string())?;
    // SAFETY: `OrtGetApiBase` has this signature in every ONNX Runtime release (C ABI,
    // `onnxruntime_c_api.h`), and returns a pointer to a static struct.
    let get_base: libloading::Symbol<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase> =
        unsafe { library.get(b"OrtGetApiBase") }
            .map_err(|_| "it has no `OrtGetApiBase`".to_string())?;
    let base = unsafe { get_base() };
    if base.is_null() {
        return Err("`OrtGetApiBase` returned nothing".into());
    }
    // SAFETY: the struct is static in the library; `GetVersionString` returns a static,
    // NUL-terminated string that must not be freed.
    let text = unsafe { CStr::from_ptr(((*base).GetVersionString)()) };
    let version = text
        .to_str()
        .map_err(|_| "its version string is not UTF-8".to_string())?
        .to_string();
    // Keep the library loaded for the process: `ort` uses it next, and unloading a
    // library with running initializers is not worth the risk.
    std::mem::forget(library);
    Ok(version)
}
