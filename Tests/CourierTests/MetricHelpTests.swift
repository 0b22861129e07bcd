import Courier
import Testing

@Suite struct MetricHelpTests {
    @Test func aHelpLineGoesBeforeEachKnownTypeLine() {
        let exposition = """
            # TYPE courier_attempts_total counter
            courier_attempts_total{outcome="succeeded"} 2
            # TYPE somebody_elses gauge
            somebody_elses 1
            # HELP courier_endpoints Already explained.
            # TYPE courier_endpoints gauge
            courier_endpoints{condition="active"} 1

            """
        let annotated = String(decoding: MetricHelp.annotate(Array(exposition.utf8)), as: UTF8.self)
        let help = try! #require(MetricHelp.texts["courier_attempts_total"])
        #expect(annotated == """
            # HELP courier_attempts_total \(help)
            # TYPE courier_attempts_total counter
            courier_attempts_total{outcome="succeeded"} 2
            # TYPE somebody_elses gauge
            somebody_elses 1
            # HELP courier_endpoints Already explained.
            # TYPE courier_endpoints gauge
            courier_endpoints{condition="active"} 1

            """)
    }

    @Test func anEmptyExpositionStaysEmpty() {
        #expect(MetricHelp.annotate([]) == [])
    }

    /// The text format escapes a backslash and a line break in a `# HELP` text; none is there to need it.
    @Test func theTextsNeedNoEscaping() {
        for (name, text) in MetricHelp.texts {
            #expect(!text.isEmpty && !text.contains("\\") && !text.contains("\n"), "\(name)")
        }
    }
}
