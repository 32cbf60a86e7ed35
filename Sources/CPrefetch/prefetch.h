// The CPU's prefetch hint, which Swift has no spelling for. Header-only: the compiler inlines it into the
// caller, where it becomes one instruction.
#ifndef ZONESEP_PREFETCH_H
#define ZONESEP_PREFETCH_H

/// Asks for the cache line holding `address` without waiting for it (no fault on a bad address).
static inline __attribute__((always_inline)) void zonesep_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// The same, for a line about to be written.
static inline __attribute__((always_inline)) void zonesep_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
