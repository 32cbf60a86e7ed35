import ZonesepCore
import ZonesepOutput

/// The alert renderer of the map an engine judges with, made once and remade only when a batch comes
/// with another map (a reload swapped it): building it names every zone and declaration, too much to do
/// per alert. Known by the map itself rather than the batch's `policyEpoch`, which engines count apart.
/// Shared by the sinks that turn events into alert records (`AlertEvents`, collect's).
public struct AlertFormatCache {
    private var format: AlertFormat?

    public init() {}

    /// The renderer for the map of `batch`.
    public mutating func format(for batch: EventBatch) -> AlertFormat {
        if let format, format.renders(batch.policy) { return format }
        let f = AlertFormat(policy: batch.policy)
        format = f
        return f
    }
}
