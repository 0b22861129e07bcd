import Courier

/// `{"action": "requeue", "filter": {...}}`: what a bulk action and a bulk operation are
/// asked with, read once for both.
struct BulkRequest {
    var action: DeliveryStateMachine.Action
    var filter: DeliveryFilter

    init(json: JSONValue) throws(CourierError) {
        var reader = try JSONFieldReader(json)
        let actionName = try reader.requiredString("action")
        guard let action = DeliveryStateMachine.Action(rawValue: actionName) else {
            throw .invalid("action must be one of resend, cancel, requeue", field: "action")
        }
        guard let filterJSON = reader.value("filter") else {
            throw .invalid("filter is required; {} applies the action to every delivery", field: "filter")
        }
        try reader.rejectUnknownFields()
        self.action = action
        self.filter = try DeliveryFilter(json: filterJSON)
    }
}
