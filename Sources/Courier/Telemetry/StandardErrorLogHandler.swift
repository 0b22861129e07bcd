import Logging

/// Writes log lines as swift-log's `StreamLogHandler` does, to standard error by default, but
/// turns a logger's metadata into text only when a line is written.
///
/// `StreamLogHandler` renders its metadata (sorted and joined) every time the metadata is set.
/// Hummingbird sets a request id on every request's logger and the API's authentication adds
/// the tenant, so each API request paid for two renderings that were almost never logged: in a
/// profile of single-event publishes over HTTP at 1,000 events/s, setting logger metadata fell
/// from 1.4% of the samples to 0.3% with this handler (BENCHMARKS.md).
public struct StandardErrorLogHandler: LogHandler {
    /// Writes the lines. It keeps no metadata of its own, so setting ours costs it nothing.
    private var output: StreamLogHandler
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// Makes every logger of the process write through this handler at `level`; the executable
    /// does this once, at start.
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, level: level) }
    }

    /// - Parameter stream: where lines go; standard error unless a test collects them.
    public init(
        label: String, level: Logger.Level, stream: (any TextOutputStream & Sendable)? = nil,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        output = stream.map { StreamLogHandler(label: label, stream: $0, metadataProvider: nil) }
            ?? StreamLogHandler.standardError(label: label, metadataProvider: nil)
        output.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public var logLevel: Logger.Level {
        get { output.logLevel }
        set { output.logLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Merges as `StreamLogHandler` does (the logger's metadata, then the provider's, then the
    /// line's own, each winning over the one before) and hands the whole to it as the line's.
    public func log(event: LogEvent) {
        var event = event
        let provided = metadataProvider?.get() ?? [:]
        if !metadata.isEmpty || !provided.isEmpty {
            var merged = metadata
            merged.merge(provided) { _, provided in provided }
            if let explicit = event.metadata { merged.merge(explicit) { _, explicit in explicit } }
            event.metadata = merged
        }
        output.log(event: event)
    }
}
