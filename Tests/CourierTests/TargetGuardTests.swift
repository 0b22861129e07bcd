@testable import Courier
import CourierTesting
import Foundation
import Testing

@Suite struct TargetGuardTests {
    func bytes(_ text: String) -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        #expect(inet_pton(AF_INET6, text, &v6) == 1, "\(text)")
        return withUnsafeBytes(of: v6) { Array($0) }
    }

    @Test(arguments: [
        "0.0.0.0", "10.1.2.3", "100.64.0.1", "127.0.0.1", "127.255.255.254", "169.254.169.254", "172.16.0.1", "172.31.255.255",
        "192.168.1.1", "192.0.2.10", "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1", "255.255.255.255",
        "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2001:db8::1",
    ])
    func privateAndReservedAddressesAreNotPublic(_ address: String) {
        #expect(!TargetGuard.isPublic(bytes(address)))
    }

    @Test(arguments: ["1.1.1.1", "8.8.8.8", "100.63.255.255", "172.32.0.1", "192.169.0.1", "2606:4700:4700::1111", "::ffff:93.184.216.34"])
    func publicAddressesArePublic(_ address: String) {
        #expect(TargetGuard.isPublic(bytes(address)))
    }

    @Test func savingRefusesLiteralPrivateTargetsAndLocalhostUnlessAllowed() {
        let strict = TargetGuard(allowsPrivateTargets: false)
        for url in ["http://127.0.0.1:8080/h", "http://localhost/h", "http://api.localhost/h", "http://[::1]/h", "http://10.0.0.5/h"] {
            #expect(strict.problemSaving(url: url) != nil, "\(url)")
        }
        // The resolver reads these as 127.0.0.1 too (inet_aton's forms), and `localhost.` is localhost.
        for url in ["http://127.1/h", "http://2130706433/h", "http://0x7f.1/h", "http://017700000001/h", "http://localhost./h",
                    "http://10.1/h"] {
            #expect(strict.problemSaving(url: url) != nil, "\(url)")
        }
        #expect(strict.problemSaving(url: "http://134744072/h") == nil, "8.8.8.8 written as one number is public")
        #expect(strict.problemSaving(url: "https://example.com/hook") == nil, "names are checked when sending")
        #expect(strict.problemSaving(url: "https://93.184.216.34/hook") == nil)
        #expect(TargetGuard(allowsPrivateTargets: true).problemSaving(url: "http://127.0.0.1/h") == nil)
    }

    /// The guard's own reading of IPv4 agrees with the C library's `inet_aton`, which the
    /// resolver uses, on every form and every edge.
    @Test(arguments: [
        "127.0.0.1", "127.1", "2130706433", "0x7f.1", "0X7F.0.0.1", "017700000001", "0177.0.0.01", "1.2.3.4", "10.1", "1.16777215",
        "1.16777216", "256.1.1.1", "1.2.3.256", "4294967295", "4294967296", "0xffffffff", "0x100000000", "1.2.3.4.5", "1..2", "",
        ".1", "1.", "08", "09.1.1.1", "0x", "0x1g", "1e3", "-1.2.3.4", "+1.2.3.4", "example.com", "a.b.c.d",
    ])
    func ipv4IsReadAsTheResolverReadsIt(_ text: String) {
        var address = in_addr()
        let expected: [UInt8]? = inet_aton(text, &address) != 0 ? withUnsafeBytes(of: &address) { Array($0.prefix(4)) } : nil
        #expect(TargetGuard.ipv4Bytes(text) == expected, "\(text)")
    }

    @Test func sendingResolvesTheName() async {
        let strict = TargetGuard(allowsPrivateTargets: false)
        let problem = await strict.problemSending(to: "http://localhost:9/h")
        #expect(problem?.contains("localhost") == true)
        #expect(await TargetGuard(allowsPrivateTargets: true).problemSending(to: "http://localhost:9/h") == nil)
    }

    @Test func aNameIsJudgedByTheAddressesItResolvesTo() async {
        // Spelled so that the literal check passes it: only its resolution gives it away.
        let verdict = await TargetGuard(allowsPrivateTargets: false).verdict(forHost: "LocalHost")
        #expect(verdict.problem?.contains("127.0.0.1") == true, "\(verdict)")
        #expect(await TargetGuard(allowsPrivateTargets: false).verdict(forHost: "93.184.216.34") == .allowed(addresses: nil))
        #expect(await TargetGuard(allowsPrivateTargets: true).verdict(forHost: "LocalHost") == .allowed(addresses: nil))
    }

    /// The client connects to the addresses the guard checked and does not resolve the name again,
    /// which is what closes the window for DNS rebinding.
    @Test func aRequestGoesToTheAddressesTheGuardChecked() async throws {
        let receiver = try await RecordingReceiver.start()
        defer { Task { await receiver.stop() } }
        let client = DeliveryHTTPClient()
        let sender = WebhookSender(client: client, configuration: .init())
        // The name resolves nowhere: the request can only arrive through the address given.
        let url = "http://courier-rebinding.invalid:\(receiver.port)/hook"
        let response = await sender.send(url: url, method: .post, headers: [], body: Array("{}".utf8), addresses: [[127, 0, 0, 1]])
        #expect(response.status == 200, "\(response.error ?? "")")
        let request = try #require(try await receiver.waitForRequests(1).first)
        #expect(request.path == "/hook")
        await client.shutdown()

        let fresh = DeliveryHTTPClient()
        let unresolved = await WebhookSender(client: fresh, configuration: .init()).send(url: url, method: .post, headers: [], body: [])
        #expect(unresolved.status == nil)
        #expect(unresolved.error?.contains("courier-rebinding.invalid") == true, "\(unresolved.error ?? "")")
        await fresh.shutdown()
    }
}
