//! Peak stack measurement by painting: the free stack is filled with a
//! pattern before the work, and the deepest word no longer holding it
//! afterwards marks the peak. Shared by the firmware binaries.

/// How much of the stack is painted to measure its peak use.
const STACK_PROBE: usize = 64 * 1024;
const PAINT: u32 = 0xa5a5_a5a5;

unsafe extern "C" {
    /// Initial stack pointer, the top of RAM (cortex-m-rt's link.x).
    static _stack_start: u32;
}

fn stack_top() -> usize {
    (&raw const _stack_start) as usize
}

/// Paints the free stack from `STACK_PROBE` bytes below its top up to just
/// under the current frame.
pub fn paint_stack() {
    let sp = cortex_m::register::msp::read() as usize;
    let mut at = stack_top() - STACK_PROBE;
    // Leave 256 bytes under the current frame for this function's own use.
    while at < sp - 256 {
        // SAFETY: [top - STACK_PROBE, sp - 256) is unused stack inside RAM
        // (memory.x), below every live frame, and no interrupt is enabled
        // that could be using it; nothing reads it but `stack_peak`.
        unsafe { core::ptr::write_volatile(at as *mut u32, PAINT) };
        at += 4;
    }
}

/// Peak stack use in bytes since `paint_stack`, counted from the top of RAM.
pub fn stack_peak() -> usize {
    let top = stack_top();
    let mut at = top - STACK_PROBE;
    // SAFETY: the same painted region, 4-byte aligned, inside RAM.
    while at < top && unsafe { core::ptr::read_volatile(at as *const u32) } == PAINT {
        at += 4;
    }
    top - at
}
