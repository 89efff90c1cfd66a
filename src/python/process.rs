//! Fork safety. What the library runs on threads (the tokio runtime, the
//! connection pools whose connections live on it, the emulator's server)
//! does not survive `fork()`: the child has only the forking thread, and
//! the parent's locks may be held forever by threads that no longer exist.
//! So each such value is bound to the process that made it: a forked child
//! builds its own on first use and never touches the parent's, not even to
//! drop it (dropping wakes tasks of a runtime whose threads are gone, and
//! can close sockets the parent still uses). The parent's copies are leaked
//! in the child on purpose; the parent itself is unaffected.

/// The id of the calling process (not cached: it changes in a forked child).
pub fn current_pid() -> u32 {
    std::process::id()
}

/// A value usable only in the process that made it (see the module docs).
#[derive(Debug)]
pub struct ProcessBound<T> {
    pid: u32,
    /// Always `Some` until taken by [`Self::take`] or dropped.
    value: Option<T>,
}

impl<T> ProcessBound<T> {
    pub fn new(value: T) -> Self {
        Self {
            pid: current_pid(),
            value: Some(value),
        }
    }

    /// The value, when called in the process that made it.
    pub fn get(&self) -> Option<&T> {
        self.value.as_ref().filter(|_| self.pid == current_pid())
    }

    /// The id of the process that made the value.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether the value was made by another process (before a fork).
    pub fn is_foreign(&self) -> bool {
        self.pid != current_pid()
    }

    /// Takes the value out in the process that made it; in another one it
    /// is leaked (see the module docs) and `None` is returned.
    pub fn take(mut self) -> Option<T> {
        if self.is_foreign() {
            std::mem::forget(self.value.take());
            return None;
        }
        self.value.take()
    }
}

impl<T> Drop for ProcessBound<T> {
    fn drop(&mut self) {
        if self.is_foreign() {
            std::mem::forget(self.value.take());
        }
    }
}
