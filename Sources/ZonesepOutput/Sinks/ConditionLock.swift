#if canImport(Glibc)
    import Glibc
#endif

/// A mutex with one condition variable (pthreads): the sinks' background senders wait on it for work,
/// for a backoff to pass, or for the stop request, whichever comes first.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    func broadcast() { pthread_cond_broadcast(cond) }

    /// Waits (the lock held) until woken or until the monotonic clock reaches `deadline` seconds.
    func wait(until deadline: Double? = nil) {
        guard let deadline else {
            pthread_cond_wait(cond, mutex)
            return
        }
        var ts = timespec()
        ts.tv_sec = Int(deadline)
        ts.tv_nsec = Int((deadline - Double(ts.tv_sec)) * 1e9)
        pthread_cond_timedwait(cond, mutex, &ts)
    }

    /// Seconds on the monotonic clock: for backoff and drain deadlines, never for anything in the output.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Runs a closure on a new pthread; `join` waits for it.
final class BackgroundThread: @unchecked Sendable {
    private var thread = pthread_t()
    private var started = false

    /// Starts `body`; false (and nothing runs) when the system refuses a thread.
    func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
                box.body()
                return nil
            }, box)
        if rc != 0 {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        started = true
        return true
    }

    func join() {
        guard started else { return }
        started = false
        pthread_join(thread, nil)
    }
}
