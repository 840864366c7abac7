//! What every part of the HDF5 format shares: its name, its errors, and
//! how its files are opened.

use crate::error::{Error, IoError};

/// The format's name, in messages.
pub(crate) const FORMAT: &str = "HDF5";

/// Maps a library error to ours, naming the file.
pub(crate) fn h5err(path: &str) -> impl Fn(::hdf5::Error) -> Error + '_ {
    move |e| IoError::Format { format: FORMAT, path: path.to_string(), message: e.to_string() }.into()
}

/// Marks the library's descriptor of `file` close-on-exec (HDF5 opens
/// files without it). Otherwise every child process started while the file
/// is open inherits the descriptor and, with it, HDF5's `flock` on the file:
/// a `Writer`'s exclusive lock then outlives `finish` in the child, and
/// opening the finished file fails ("unable to lock file") until the child
/// exits. (Unix, the default `sec2` driver.)
#[cfg(unix)]
pub(crate) fn close_on_exec(file: &::hdf5::File) {
    use std::ffi::{c_int, c_void};
    extern "C" {
        fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    }
    const F_GETFD: c_int = 1;
    const F_SETFD: c_int = 2;
    const FD_CLOEXEC: c_int = 1;
    if !matches!(file.access_plist().map(|p| p.driver()), Ok(::hdf5::plist::file_access::FileDriver::Sec2)) {
        return;
    }
    let mut handle: *mut c_void = std::ptr::null_mut();
    let status = ::hdf5::sync::sync(|| unsafe {
        hdf5_sys::h5f::H5Fget_vfd_handle(file.id(), hdf5_sys::h5p::H5P_DEFAULT, &mut handle)
    });
    if status >= 0 && !handle.is_null() {
        // SAFETY: the sec2 driver's handle is a pointer to its descriptor.
        unsafe {
            let fd = *handle.cast::<c_int>();
            let flags = fcntl(fd, F_GETFD);
            if flags >= 0 {
                fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
            }
        }
    }
}

/// Elsewhere descriptors are not inherited by default.
#[cfg(not(unix))]
pub(crate) fn close_on_exec(_file: &::hdf5::File) {}
