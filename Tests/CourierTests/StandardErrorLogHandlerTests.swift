import Courier
import Logging
import Synchronization
import Testing

/// The executable's log handler must write what swift-log's `StreamLogHandler` writes, since
/// operators' log parsers read that format; only when it renders metadata differs.
@Suite struct StandardErrorLogHandlerTests {
    /// Collects written lines, as a stream both handlers can write to.
    final class Lines: TextOutputStream, Sendable {
        private let text = Mutex("")
        func write(_ string: String) { text.withLock { $0 += string } }
        /// Each line without its timestamp (the first word), which two writes need not share.
        var untimed: [String] {
            text.withLock { $0 }.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
        }
    }

    static let provider = Logger.MetadataProvider { ["provided": "p", "shared": "from-provider"] }

    /// Logs the same lines through a logger made by `factory`: metadata set on the logger (as
    /// Hummingbird and the API's authentication do), overridden by the provider and by a line.
    static func write(_ factory: @escaping @Sendable (String) -> any LogHandler) {
        var logger = Logger(label: "courier.test", factory: factory)
        logger.info("before any metadata")
        logger[metadataKey: "request"] = "r1"
        logger[metadataKey: "shared"] = "from-logger"
        logger[metadataKey: "line"] = "from-logger"
        logger.info("with metadata", metadata: ["line": "from-line", "provided": "from-line"])
        logger.debug("below the level")
        logger.warning("no line metadata")
    }

    @Test(arguments: [true, false])
    func writesWhatStreamLogHandlerWrites(withProvider: Bool) {
        let provider = withProvider ? Self.provider : nil
        let ours = Lines()
        let reference = Lines()
        Self.write { StandardErrorLogHandler(label: $0, level: .info, stream: ours, metadataProvider: provider) }
        Self.write { label in
            var handler = StreamLogHandler(label: label, stream: reference, metadataProvider: provider)
            handler.logLevel = .info
            return handler
        }
        #expect(ours.untimed == reference.untimed)
        #expect(ours.untimed.count == 3, "\(ours.untimed)")
        let merged = ours.untimed.first { $0.contains("with metadata") } ?? ""
        #expect(merged.contains("line=from-line") && merged.contains("provided=from-line") && merged.contains("request=r1"), "\(merged)")
        #expect(merged.contains(withProvider ? "shared=from-provider" : "shared=from-logger"), "\(merged)")
    }

    @Test func metadataSetOnTheLoggerIsReadBack() {
        var handler = StandardErrorLogHandler(label: "courier.test", level: .info, stream: Lines())
        handler[metadataKey: "tenant"] = "ten_1"
        #expect(handler[metadataKey: "tenant"] == "ten_1")
        #expect(handler.metadata == ["tenant": "ten_1"])
        handler.logLevel = .debug
        #expect(handler.logLevel == .debug)
    }
}
