import ZonesepCore
import ZonesepOutput

/// The alert renderer of the map an engine judges with, made once and remade only when a reload swaps
/// the map (a batch's `policyEpoch` changes): building it names every zone and declaration, too much to
/// do per alert. Shared by the sinks that turn events into alert records (`AlertEvents`, collect's).
public struct AlertFormatCache {
    private var format: AlertFormat?
    private var epoch = -1

    public init() {}

    /// The renderer for the map of `batch`.
    public mutating func format(for batch: EventBatch) -> AlertFormat {
        if let format, epoch == batch.policyEpoch { return format }
        let f = AlertFormat(policy: batch.policy)
        format = f
        epoch = batch.policyEpoch
        return f
    }
}
