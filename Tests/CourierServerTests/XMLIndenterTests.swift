@testable import CourierServer
import Testing

/// The dashboard's XML indenter: the layout it gives, what it keeps byte for byte, and that
/// anything it cannot read is nil (the page then shows the text as it came).
@Suite struct XMLIndenterTests {
    @Test func nestedElementsAreIndentedAndTextOnlyElementsStayOnOneLine() {
        let indented = XMLIndenter.indent(
            #"<?xml version="1.0" encoding="UTF-8"?><event id="msg_1" type="lab.result"><data><patient>P-1</patient><codes><item>A1</item><item></item></codes><note null="true"></note><flag/></data></event>"#
        )
        #expect(indented == """
            <?xml version="1.0" encoding="UTF-8"?>
            <event id="msg_1" type="lab.result">
              <data>
                <patient>P-1</patient>
                <codes>
                  <item>A1</item>
                  <item></item>
                </codes>
                <note null="true"></note>
                <flag/>
              </data>
            </event>
            """)
    }

    @Test func commentsCDATAProcessingInstructionsDoctypesAndQuotedGreaterThansAreKept() {
        let indented = XMLIndenter.indent(
            #"<!DOCTYPE r [<!ELEMENT r (#PCDATA)><!ATTLIST r a CDATA "x>y">]><!-- top --><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><?keep this?><m:R a='1>0' b="x&gt;y"><![CDATA[<raw> & </raw>]]></m:R><!-- in <b> --><e /></soap:Body></soap:Envelope>"#
        )
        #expect(indented == """
            <!DOCTYPE r [<!ELEMENT r (#PCDATA)><!ATTLIST r a CDATA "x>y">]>
            <!-- top -->
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
              <soap:Body>
                <?keep this?>
                <m:R a='1>0' b="x&gt;y"><![CDATA[<raw> & </raw>]]></m:R>
                <!-- in <b> -->
                <e />
              </soap:Body>
            </soap:Envelope>
            """)
    }

    @Test func mixedContentAndTextKeepTheirWhiteSpace() {
        let indented = XMLIndenter.indent("<doc>\r\n\t<p>Hello <b>world</b>!\n  again</p>\n<q>  two  spaces  </q><r> </r><s><!-- why -->x</s></doc>")
        #expect(indented == """
            <doc>
              <p>Hello <b>world</b>!
              again</p>
              <q>  two  spaces  </q>
              <r> </r>
              <s><!-- why -->x</s>
            </doc>
            """)
        #expect(XMLIndenter.indent("<a>\n  <b>1</b>\n</a>", unit: "\t") == "<a>\n\t<b>1</b>\n</a>")
        #expect(XMLIndenter.indent("\u{FEFF}<név>Zoë</név>\n") == "<név>Zoë</név>", "a byte order mark and non-ASCII names")
    }

    @Test func indentingTwiceGivesWhatIndentingOnceGave() throws {
        for text in [
            #"<?xml version="1.0"?><a><b><c>1</c><d/></b><e x="1">t</e></a>"#,
            "<doc>\n<p>Hello <b>world</b>!\n  again</p>  <q>\n</q></doc>",
            #"<!DOCTYPE a><a><!-- c --><?p i?><b><![CDATA[ x ]]></b><c a='>'/></a><!-- after -->"#,
        ] {
            let once = try #require(XMLIndenter.indent(text), "\(text)")
            #expect(XMLIndenter.indent(once) == once, "\(text)")
        }
    }

    @Test func anythingThatIsNotOneWellNestedDocumentIsNil() {
        for text in [
            "", "   ", "OK", #"{"a":1}"#, "[1,2]", "text<a/>", "<a/>text", "<a/><b/>", "<a>", "</a>", "<a></b>",
            "<a><b></a></b>", "<a x=1/>", #"<a x="1"y="2"/>"#, #"<a x="1/>"#, #"<a x="<"/>"#, "<1a/>", "< a/>", "<a/ >",
            "<html><body><p>Hi<br></p></body></html>", "<!-- never closed <a/>", "<a><![CDATA[x</a>", "<?pi <a/>",
            "<![CDATA[x]]><a/>", "<a><!DOCTYPE a></a>", "<!DOCTYPE a [<!ELEMENT a ANY>",
        ] {
            #expect(XMLIndenter.indent(text) == nil, "\(text)")
        }
    }

    @Test func documentsDeeperThanTheLimitAreShownAsTheyCame() {
        let within = String(repeating: "<a>", count: XMLIndenter.maximumDepth) + String(repeating: "</a>", count: XMLIndenter.maximumDepth)
        #expect(XMLIndenter.indent(within)?.split(separator: "\n").count == 2 * XMLIndenter.maximumDepth - 1)
        let deeper = "<a>" + within + "</a>"
        #expect(XMLIndenter.indent(deeper) == nil)
    }
}
