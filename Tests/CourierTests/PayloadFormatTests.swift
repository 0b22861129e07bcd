import Courier
import Foundation
import Testing

@Suite struct PayloadFormatTests {
    /// The representative payload, as a publisher would have it stored: nested objects and
    /// arrays, unicode, characters that need escaping, numbers whose text matters, true, false,
    /// null, an empty object and an empty array, and keys that need encoding.
    static let payload = #"{"name":"Zoë & <Co> \"Ltd\"","city":"日本","expr":"a+b = c","amount":1.50,"big":1e3,"neg":-0.5,"ok":true,"no":false,"none":null,"tags":["x y","z"],"nested":{"inner":{"deep":1},"list":[{"k":"v"},[1,2]]},"emptyObj":{},"emptyArr":[],"k~*":"~*","a key=":"v"}"#

    func event(_ payload: String = Self.payload, key: String? = "order-42") -> Event {
        event(bytes: Array(payload.utf8), key: key)
    }

    func event(bytes: [UInt8], key: String? = "order-42") -> Event {
        Event(
            id: "msg_2Xy", tenantID: "t1", type: "order.paid", key: key, payload: bytes,
            occurredAt: Date(timeIntervalSince1970: 1_704_164_645.25), createdAt: Date(timeIntervalSince1970: 1_704_164_646)
        )
    }

    /// The body as text (nil unless it is valid UTF-8, so comparing text compares the bytes) and the content type.
    func rendered(_ format: PayloadFormat, _ event: Event) -> (body: String?, contentType: String)? {
        guard let (body, contentType) = format.render(event) else { return nil }
        return (String(validating: body, as: UTF8.self), contentType)
    }

    func template(_ source: String, contentType: String = "text/plain; charset=utf-8") throws -> PayloadFormat {
        .template(try PayloadTemplate(source: source, contentType: contentType))
    }

    func formatError(_ text: String) throws -> CourierError? {
        let value = try JSONParser.parse(text)
        return #expect(throws: CourierError.self) { try PayloadFormat(json: value) }
    }

    // MARK: envelope and raw

    @Test func envelopeIsWebhookMessageEnvelope() throws {
        let event = event()
        let (body, contentType) = try #require(PayloadFormat.envelope.render(event))
        let message = WebhookMessage.envelope(for: event)
        #expect(body == message.body)
        #expect(contentType == message.contentType)
        #expect(String(validating: body, as: UTF8.self) == #"{"id":"msg_2Xy","type":"order.paid","timestamp":"2024-01-02T03:04:05.250Z","data":"# + Self.payload + "}")
        #expect(contentType == "application/json")
    }

    @Test func rawIsThePayloadBytes() throws {
        let event = event()
        let (body, contentType) = try #require(PayloadFormat.raw.render(event))
        #expect(body == event.payload)
        #expect(body == Array(Self.payload.utf8))
        #expect(contentType == "application/json")
        let scalar = try #require(PayloadFormat.raw.render(self.event("1.50")))
        #expect(scalar.body == [0x31, 0x2E, 0x35, 0x30])
    }

    @Test func onlyJSONFormatsBatch() throws {
        #expect(PayloadFormat.envelope.batches == true)
        #expect(PayloadFormat.raw.batches == true)
        #expect(PayloadFormat.form.batches == false)
        #expect(PayloadFormat.xml.batches == false)
        #expect(try template("{{id}}").batches == false)
    }

    // MARK: form

    @Test func formFlattensTheRepresentativePayload() throws {
        let result = try #require(rendered(.form, event()))
        #expect(result.contentType == "application/x-www-form-urlencoded")
        #expect(result.body == "name=Zo%C3%AB+%26+%3CCo%3E+%22Ltd%22&city=%E6%97%A5%E6%9C%AC&expr=a%2Bb+%3D+c"
            + "&amount=1.50&big=1e3&neg=-0.5&ok=true&no=false&none="
            + "&tags%5B0%5D=x+y&tags%5B1%5D=z"
            + "&nested%5Binner%5D%5Bdeep%5D=1&nested%5Blist%5D%5B0%5D%5Bk%5D=v"
            + "&nested%5Blist%5D%5B1%5D%5B0%5D=1&nested%5Blist%5D%5B1%5D%5B1%5D=2"
            + "&k%7E*=%7E*&a+key%3D=v")
    }

    @Test func formSendsOtherPayloadsUnderPayload() throws {
        #expect(rendered(.form, event("42"))?.body == "payload=42")
        #expect(rendered(.form, event(#""a b&c""#))?.body == "payload=a+b%26c")
        #expect(rendered(.form, event("null"))?.body == "payload=")
        #expect(rendered(.form, event("true"))?.body == "payload=true")
        #expect(rendered(.form, event(#"["x",{"k":null},[],{"e":{}}]"#))?.body == "payload%5B0%5D=x&payload%5B1%5D%5Bk%5D=")
    }

    @Test func formOfEmptyObjectIsAnEmptyBody() throws {
        let result = try #require(PayloadFormat.form.render(event("{}")))
        #expect(result.body == [])
        #expect(result.contentType == "application/x-www-form-urlencoded")
        #expect(rendered(.form, event("[]"))?.body == "")
        #expect(rendered(.form, event(#"{"a":{},"b":[]}"#))?.body == "")
    }

    @Test func formKeepsEveryByteOfKeysAndValues() throws {
        #expect(rendered(.form, event(#"{"a[b]":"1/2?3#4%5","":"-._*~!"}"#))?.body == "a%5Bb%5D=1%2F2%3F3%234%255&=-._*%7E%21")
        #expect(rendered(.form, event(#"{"nl":"a\nb\u0000"}"#))?.body == "nl=a%0Ab%00")
    }

    @Test func formOfAPayloadThatDoesNotParseIsItsText() throws {
        #expect(rendered(.form, event("not json & more"))?.body == "payload=not+json+%26+more")
        #expect(rendered(.form, event(bytes: [0x61, 0xFF, 0x62]))?.body == "payload=a%EF%BF%BDb")
    }

    // MARK: xml

    static let xmlHead = #"<?xml version="1.0" encoding="UTF-8"?><event id="msg_2Xy" type="order.paid" timestamp="2024-01-02T03:04:05.250Z">"#

    @Test func xmlMapsTheRepresentativePayload() throws {
        let result = try #require(rendered(.xml, event()))
        #expect(result.contentType == "application/xml")
        #expect(result.body == Self.xmlHead + "<data>"
            + #"<name>Zoë &amp; &lt;Co&gt; "Ltd"</name><city>日本</city><expr>a+b = c</expr>"#
            + #"<amount>1.50</amount><big>1e3</big><neg>-0.5</neg><ok>true</ok><no>false</no><none null="true"></none>"#
            + "<tags><item>x y</item><item>z</item></tags>"
            + "<nested><inner><deep>1</deep></inner><list><item><k>v</k></item><item><item>1</item><item>2</item></item></list></nested>"
            + "<emptyObj></emptyObj><emptyArr></emptyArr>"
            + #"<item key="k~*">~*</item><item key="a key=">v</item>"#
            + "</data></event>")
    }

    @Test func xmlKeysThatAreNotNamesBecomeItems() throws {
        let payload = #"{"_ok":1,"a-b.c9":2,"1abc":3,"-x":4,".x":5,"xmlFoo":6,"XmL":7,"xm":8,"a:b":9,"日本":10,"":11,"a\"b<&>":12,"t\tn\nr\r":13,"item":14}"#
        #expect(rendered(.xml, event(payload))?.body == Self.xmlHead + "<data>"
            + "<_ok>1</_ok><a-b.c9>2</a-b.c9>"
            + #"<item key="1abc">3</item><item key="-x">4</item><item key=".x">5</item>"#
            + #"<item key="xmlFoo">6</item><item key="XmL">7</item><xm>8</xm><item key="a:b">9</item>"#
            + #"<item key="日本">10</item><item key="">11</item><item key="a&quot;b&lt;&amp;&gt;">12</item>"#
            + #"<item key="t&#x9;n&#xA;r&#xD;">13</item><item>14</item>"#
            + "</data></event>")
    }

    @Test func xmlReplacesCharactersXMLCannotHold() throws {
        let payload = #"{"s":"a\u0000b\u0001c\u000bd\u000ce\u001ff\tg\nh\ri\u007fj\ufffek\uffffl\ud83d\ude00","k\u0002":"v"}"#
        #expect(rendered(.xml, event(payload))?.body == Self.xmlHead + "<data>"
            + "<s>a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\tg\nh&#xD;i\u{7F}j\u{FFFD}k\u{FFFD}l😀</s>"
            + "<item key=\"k\u{FFFD}\">v</item>"
            + "</data></event>")
    }

    @Test func xmlOfOtherPayloads() throws {
        #expect(rendered(.xml, event(#""a<b""#))?.body == Self.xmlHead + "<data>a&lt;b</data></event>")
        #expect(rendered(.xml, event("null"))?.body == Self.xmlHead + #"<data null="true"></data></event>"#)
        #expect(rendered(.xml, event("{}"))?.body == Self.xmlHead + "<data></data></event>")
        #expect(rendered(.xml, event(#"[1,[],null,""]"#))?.body == Self.xmlHead
            + #"<data><item>1</item><item></item><item null="true"></item><item></item></data></event>"#)
        #expect(rendered(.xml, event("not json & more"))?.body == Self.xmlHead + "<data>not json &amp; more</data></event>")
    }

    @Test func xmlEscapesTheEnvelopeAttributes() throws {
        var odd = event("1")
        odd.id = "a\"<&>'"
        #expect(rendered(.xml, odd)?.body == #"<?xml version="1.0" encoding="UTF-8"?><event id="a&quot;&lt;&amp;&gt;'" type="order.paid" timestamp="2024-01-02T03:04:05.250Z"><data>1</data></event>"#)
    }

    // MARK: template

    @Test func templateRendersTheContext() throws {
        let format = try template("{{id}} {{type}} {{key}} {{timestamp}} {{data.amount}} {{data.big}} {{data.neg}} {{data.city}} {{data.nested.inner.deep}}", contentType: "text/markdown")
        let result = try #require(rendered(format, event()))
        #expect(result.body == "msg_2Xy order.paid order-42 2024-01-02T03:04:05.250Z 1.50 1e3 -0.5 日本 1")
        #expect(result.contentType == "text/markdown")
        #expect(rendered(try template("[{{key}}]{{^key}}no key{{/key}}"), event(key: nil))?.body == "[]no key")
    }

    @Test func templateSectionsRepeatOverArrays() throws {
        let format = try template("{{#data.items}}{{name}}={{qty}}{{#gift}} (gift){{/gift}};{{/data.items}}{{^data.none}}none{{/data.none}}{{#data.tags}}<{{.}}>{{/data.tags}}")
        let payload = #"{"items":[{"name":"a","qty":1,"gift":true},{"name":"b","qty":2.50,"gift":false}],"none":[],"tags":["x","y"]}"#
        #expect(rendered(format, event(payload))?.body == "a=1 (gift);b=2.50;none<x><y>")
    }

    @Test func templateBooleansAndNull() throws {
        let format = try template("{{#data.ok}}yes{{/data.ok}}{{^data.no}} no{{/data.no}}{{^data.none}} none{{/data.none}}[{{data.none}}][{{data.missing}}]{{#data.zero}} zero{{/data.zero}}{{#data.e}} empty{{/data.e}}")
        #expect(rendered(format, event(#"{"ok":true,"no":false,"none":null,"zero":0,"e":""}"#))?.body == "yes no none[][] zero empty")
    }

    @Test func templateNullHidesOuterFieldsAndAbsentFieldsDoNot() throws {
        let format = try template("{{#data}}[{{id}}][{{type}}]{{/data}}")
        #expect(rendered(format, event(#"{"id":null}"#))?.body == "[][order.paid]")
    }

    @Test func templateEscapesHTMLUnlessTripled() throws {
        let format = try template(#"{{data.s}}|{{{data.s}}}|{{& data.s}}"#)
        #expect(rendered(format, event(#"{"s":"<a href=\"x\">&'</a>"}"#))?.body
            == #"&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;|<a href="x">&'</a>|<a href="x">&'</a>"#)
        let text = try template(#"{{%CONTENT_TYPE:TEXT}}{{data.s}}"#)
        #expect(rendered(text, event(#"{"s":"<&>"}"#))?.body == "<&>")
    }

    @Test func templateWritesObjectsAndArraysAsJSON() throws {
        let format = try template(#"{"event":"{{id}}","payload":{{{data}}},"list":{{{data.nested.list}}},"escaped":{{data.tags}}}"#, contentType: "application/json")
        let result = try #require(rendered(format, event()))
        #expect(result.body == #"{"event":"msg_2Xy","payload":"# + Self.payload + #","list":[{"k":"v"},[1,2]],"escaped":[&quot;x y&quot;,&quot;z&quot;]}"#)
        #expect(result.contentType == "application/json")
    }

    @Test func templateThatRendersNothingSendsNothing() throws {
        let format = try template("{{#data.send}}sent {{id}}{{/data.send}} \t\n")
        #expect(format.render(event(#"{"send":false}"#)) == nil)
        #expect(format.render(event(#"{}"#)) == nil)
        #expect(rendered(format, event(#"{"send":true}"#))?.body == "sent msg_2Xy \t\n")
        #expect(try template("{{data.blank}}").render(event(#"{"blank":" \n "}"#)) == nil)
    }

    @Test func templateSyntaxErrorsNameTheField() throws {
        let closedWrong = try formatError(#"{"template":"{{#a}}x{{/b}}"}"#)
        #expect(closedWrong == .invalid(
            "format.template is not a valid Mustache template: a section is closed with a name other than the one it was opened with (line 1, column 11)",
            field: "format.template"
        ))
        let unclosedSection = try formatError(#"{"template":"ok\n{{#a}}x"}"#)
        #expect(unclosedSection?.field == "format.template")
        #expect(unclosedSection?.message == "format.template is not a valid Mustache template: a section is not closed (line 2, column 8)")
        // swift-mustache takes a tag opened at the very end as the end of the template
        // (`abc {{` rendered `abc `); a tag never closed is refused wherever it is.
        for source in ["{{name", "abc {{", "{{", "abc {{ ", "{{=<% %>=}}<% x", "ok {{x}} {{{y"] {
            let unclosedTag = try formatError(#"{"template":"\#(source)"}"#)
            #expect(unclosedTag == .invalid("format.template is not a valid Mustache template: a tag is not closed", field: "format.template"), "\(source)")
        }
    }

    @Test func templateSectionsMayNestSixtyFourDeep() throws {
        let format = try template("{{#data}}" + String(repeating: "{{#a}}", count: 63) + "x" + String(repeating: "{{/a}}", count: 63) + "{{/data}}")
        #expect(rendered(format, event(#"{"a":true}"#))?.body == "x")
        let tooDeep = String(repeating: "{{#a}}", count: 65) + String(repeating: "{{/a}}", count: 65)
        #expect(throws: CourierError.invalid("format.template is not a valid Mustache template: sections nest deeper than 64 levels", field: "format.template")) {
            try PayloadTemplate(source: tooDeep)
        }
        let newDelimiters = "{{=<% %>=}}" + String(repeating: "<%^a%>", count: 65) + String(repeating: "<%/a%>", count: 65)
        #expect(throws: CourierError.invalid("format.template is not a valid Mustache template: sections nest deeper than 64 levels", field: "format.template")) {
            try PayloadTemplate(source: newDelimiters)
        }
        let siblings = "{{#data}}" + String(repeating: "{{#a}}x{{/a}}", count: 100) + "{{/data}}"
        #expect(rendered(try template(siblings), event(#"{"a":true}"#))?.body == String(repeating: "x", count: 100))
    }

    @Test func templateLimits() throws {
        let largest = "{{id}}" + String(repeating: "a", count: 64 * 1024 - 6)
        #expect(try PayloadTemplate(source: largest).source.utf8.count == 65_536)
        #expect(throws: CourierError.invalid("format.template must be at most 65536 bytes", field: "format.template")) {
            try PayloadTemplate(source: largest + "a")
        }
        #expect(throws: CourierError.invalid("format.template must not be empty", field: "format.template")) {
            try PayloadTemplate(source: " \n")
        }
        let longest = "text/" + String(repeating: "x", count: 251)
        #expect(try PayloadTemplate(source: "x", contentType: longest).contentType.utf8.count == 256)
        let badContentType = CourierError.invalid(
            "format.contentType must be a media type such as text/plain; charset=utf-8, of printable ASCII and at most 256 bytes",
            field: "format.contentType"
        )
        for contentType in ["text/plain\r\nx-evil: 1", "text/plain\n", "", "text", "text/", "/plain", "te xt/plain", "text/plain; charset=ü", "a/b/c", longest + "x"] {
            #expect(throws: badContentType) { try PayloadTemplate(source: "x", contentType: contentType) }
        }
        #expect(try PayloadTemplate(source: "x", contentType: "application/vnd.api+json ; charset=utf-8").contentType == "application/vnd.api+json ; charset=utf-8")
    }

    @Test func templatesAreEqualBySourceAndContentType() throws {
        let a = try PayloadTemplate(source: "{{id}}")
        #expect(a == (try PayloadTemplate(source: "{{id}}", contentType: "text/plain; charset=utf-8")))
        #expect(a.hashValue == (try PayloadTemplate(source: "{{id}}")).hashValue)
        #expect(a != (try PayloadTemplate(source: "{{id}}", contentType: "text/html")))
        #expect(a != (try PayloadTemplate(source: "{{ id }}")))
        #expect(a.contentType == "text/plain; charset=utf-8")
    }

    // MARK: reading and writing

    @Test func jsonRoundTrips() throws {
        let cases: [(String, PayloadFormat)] = [
            (#""envelope""#, .envelope),
            (#""raw""#, .raw),
            (#""form""#, .form),
            (#""xml""#, .xml),
            (#"{"template":"{{id}}","contentType":"text/html"}"#, try template("{{id}}", contentType: "text/html")),
        ]
        for (text, expected) in cases {
            let format = try PayloadFormat(json: JSONParser.parse(text))
            #expect(format == expected)
            #expect(format.json.bytes == Array(text.utf8))
            #expect(try PayloadFormat(json: format.json) == format)
        }
    }

    @Test func jsonOfATemplateShowsTheDefaultContentType() throws {
        let format = try PayloadFormat(json: JSONParser.parse(#"{"template":"{{id}}"}"#))
        #expect(format == (try template("{{id}}", contentType: "text/plain; charset=utf-8")))
        #expect(format.json == .object(JSONObject(["template": .string("{{id}}"), "contentType": .string("text/plain; charset=utf-8")])))
        let explicitNull = try PayloadFormat(json: JSONParser.parse(#"{"template":"{{id}}","contentType":null}"#))
        #expect(explicitNull == format)
    }

    @Test func jsonRejectsWhatIsNotAFormat() throws {
        #expect(try formatError(#""yaml""#) == .invalid("format must be envelope, raw, form, xml or a template object, not yaml", field: "format"))
        #expect(try formatError(#""Envelope""#) == .invalid("format must be envelope, raw, form, xml or a template object, not Envelope", field: "format"))
        #expect(try formatError("5") == .invalid("format must be a string or an object, not number", field: "format"))
        #expect(try formatError("[]") == .invalid("format must be a string or an object, not array", field: "format"))
        #expect(try formatError("true") == .invalid("format must be a string or an object, not boolean", field: "format"))
        #expect(try formatError("null") == .invalid("format must be a string or an object, not null", field: "format"))
        #expect(try formatError("{}") == .invalid("format.template is required", field: "format.template"))
        #expect(try formatError(#"{"template":5}"#) == .invalid("format.template must be a string, not number", field: "format.template"))
        #expect(try formatError(#"{"template":"x","contentType":["text/plain"]}"#)
            == .invalid("format.contentType must be a string, not array", field: "format.contentType"))
        #expect(try formatError(#"{"template":"x","contentType":"text/plain\r\nx-a: b"}"#)?.field == "format.contentType")
        #expect(try formatError(#"{"template":"x","type":"xml"}"#) == .invalid("unknown field format.type", field: "format.type", code: "unknown_field"))
    }

    @Test func jsonErrorsUseTheGivenPath() throws {
        let value = try JSONParser.parse(#"{"template":"{{#a}}"}"#)
        #expect(throws: CourierError.invalid("endpoints[2].format.template is not a valid Mustache template: a section is not closed (line 1, column 7)", field: "endpoints[2].format.template")) {
            try PayloadFormat(json: value, path: "endpoints[2].format")
        }
        #expect(throws: CourierError.invalid("f must be envelope, raw, form, xml or a template object, not json", field: "f")) {
            try PayloadFormat(json: .string("json"), path: "f")
        }
    }
}
