extension JSONObject {
    /// `self` with `overlay` merged over it, recursively: where both hold an object under a key
    /// the two are merged, anything else in `overlay` wins (a list replaces a list). Keys keep
    /// their order: this object's first, then the overlay's new ones.
    ///
    /// The merge of the trigger engine's static `withParams` under the kwargs that fired.
    public func merging(_ overlay: JSONObject) -> JSONObject {
        var merged = JSONObject()
        var seen: Set<String> = []
        for field in fields where seen.insert(field.key).inserted {
            let mine = self[field.key] ?? .null
            switch (mine, overlay[field.key]) {
            case (.object(let base), .object(let top)?): merged.append(field.key, .object(base.merging(top)))
            case (_, let top?): merged.append(field.key, top)
            case (_, nil): merged.append(field.key, mine)
            }
        }
        for field in overlay.fields where seen.insert(field.key).inserted {
            merged.append(field.key, overlay[field.key] ?? .null)
        }
        return merged
    }
}
