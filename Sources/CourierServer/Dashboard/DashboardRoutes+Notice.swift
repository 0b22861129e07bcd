import Courier
import Crypto

/// The notice a change leaves for the page it redirects to travels in the query, so it is
/// sealed with the session's CSRF token: a link from anywhere else that carried `?notice=`
/// could otherwise put words in the dashboard's mouth ("re-enter your admin token at …").
extension DashboardRoutes.SignedIn {
    func sealed(notice: String) -> String {
        mac(notice) + "." + notice
    }

    /// The notice's text, if this session's own redirect sealed it.
    func opened(notice value: String) -> String? {
        guard let dot = value.firstIndex(of: ".") else { return nil }
        let text = String(value[value.index(after: dot)...])
        return value[..<dot] == mac(text) ? text : nil
    }

    private func mac(_ text: String) -> String {
        let key = SymmetricKey(data: Array(csrf.utf8))
        return Base64URL.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(("notice\n" + text).utf8), using: key).prefix(16)))
    }
}
