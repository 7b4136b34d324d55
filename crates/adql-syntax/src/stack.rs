//! Stack headroom for recursive walks over the tree.

/// Runs `f` with room to spare on the stack: the parser bounds nesting, but a
/// long `AND`/`OR` chain is still a deep (left-leaning) tree, and parsing,
/// checking and printing recurse through it. The stack grows on the heap when
/// the caller's runs low, so that this also works on small thread stacks.
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    const RED_ZONE: usize = 256 * 1024;
    const SEGMENT: usize = 4 * 1024 * 1024;
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
