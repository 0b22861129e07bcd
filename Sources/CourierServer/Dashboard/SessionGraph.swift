import Courier

/// A session drawn as what waits on what: each task to the right of everything it waits for,
/// each trigger just before the first task that waits for it, and an arrow from each trigger
/// (or task, whose end fires its own name) to the tasks that wait for it, dashed where it is
/// an `unless`. Each box shows its state, so a person sees at a glance which trigger a stuck
/// task still waits for.
///
/// An inline SVG: no script, readable on a phone. Names come from API callers and are escaped.
enum SessionGraph {
    struct Node: Equatable {
        var name: String
        var isTask: Bool
        /// `fired` or `waiting` for a trigger; the latest instance's status (or `waiting`) for a task.
        var state: String
        var column: Int
        var row: Int
    }

    struct Edge: Hashable {
        var from: String
        var to: String
        var unless: Bool
    }

    static let width = 170.0, height = 42.0, columnGap = 80.0, rowGap = 14.0

    /// The nodes and edges, laid out in columns by how far each is from the first triggers.
    static func layout(_ session: Session) -> (nodes: [Node], edges: [Edge]) {
        let tasks = Dictionary(session.tasks.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        var triggers = Set(session.tasks.flatMap { $0.after.union($0.unless) }).subtracting(tasks.keys)
        if let finalize = session.finalizeTrigger, !tasks.keys.contains(finalize) { triggers.insert(finalize) }

        var columns: [String: Int] = Dictionary(triggers.map { ($0, 0) }, uniquingKeysWith: { first, _ in first })
        func column(of name: String, visiting: Set<String>) -> Int {
            if let known = columns[name] { return known }
            // A task that waits, through others, on itself is drawn beside what it waits for.
            guard let task = tasks[name], !visiting.contains(name) else { return 0 }
            let sources = task.after.union(task.unless)
            let value = 1 + (sources.map { column(of: $0, visiting: visiting.union([name])) }.max() ?? 0)
            columns[name] = value
            return value
        }
        for name in tasks.keys { _ = column(of: name, visiting: []) }
        // A trigger stands just before the first task that waits for it, so that no arrow
        // has to cross a column of boxes to reach its task.
        for trigger in triggers {
            let targets = session.tasks.filter { $0.after.contains(trigger) || $0.unless.contains(trigger) }.compactMap { columns[$0.name] }
            columns[trigger] = max(0, (targets.min() ?? 1) - 1)
        }

        var latest: [String: TaskInstance.Status] = [:]
        for instance in session.instances { latest[instance.task] = instance.status }
        // Triggers by name; each later column in the order of where its sources sit, so that
        // arrows run roughly straight and cross as little as a simple rule can manage.
        var rows: [String: Int] = [:]
        var nodes: [Node] = []
        for (index, names) in Dictionary(grouping: columns.keys, by: { columns[$0] ?? 0 }).sorted(by: { $0.key < $1.key }) {
            func place(_ name: String) -> Double {
                guard let task = tasks[name] else { return 0 }
                let sources = task.after.union(task.unless).compactMap { rows[$0] }
                return sources.isEmpty ? 0 : Double(sources.reduce(0, +)) / Double(sources.count)
            }
            // Tasks first, then the triggers that join this column.
            let ordered = names.map { (name: $0, rank: tasks[$0] == nil ? 1 : 0, place: place($0)) }
                .sorted { ($0.rank, $0.place, $0.name) < ($1.rank, $1.place, $1.name) }
            for (row, entry) in ordered.enumerated() {
                let name = entry.name
                rows[name] = row
                let isTask = tasks[name] != nil
                let state = isTask ? latest[name]?.rawValue ?? "waiting" : session.fired[name] != nil ? "fired" : "waiting"
                nodes.append(Node(name: name, isTask: isTask, state: state, column: index, row: row))
            }
        }
        let edges = session.tasks.flatMap { task in
            task.after.sorted().map { Edge(from: $0, to: task.name, unless: false) }
                + task.unless.sorted().map { Edge(from: $0, to: task.name, unless: true) }
        }
        return (nodes, edges)
    }

    static func svg(_ session: Session) -> String {
        let (nodes, edges) = layout(session)
        guard !nodes.isEmpty else { return "" }
        let byName = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func x(_ node: Node) -> Double { Double(node.column) * (width + columnGap) }
        func y(_ node: Node) -> Double { Double(node.row) * (height + rowGap) + 1 }
        // Each box's arrows leave and arrive spread along its side, in the order of the other ends.
        func spread(_ ends: [Edge], key: (Edge) -> String, other: (Edge) -> String) -> [Edge: Double] {
            var offsets: [Edge: Double] = [:]
            for (_, group) in Dictionary(grouping: ends, by: key) {
                let sorted = group.sorted { (byName[other($0)].map(y) ?? 0, other($0)) < (byName[other($1)].map(y) ?? 0, other($1)) }
                for (index, edge) in sorted.enumerated() {
                    offsets[edge] = height * Double(index + 1) / Double(sorted.count + 1)
                }
            }
            return offsets
        }
        let leaving = spread(edges, key: \.from, other: \.to)
        let arriving = spread(edges, key: \.to, other: \.from)
        var body = ""
        for edge in edges {
            guard let from = byName[edge.from], let to = byName[edge.to] else { continue }
            let x1 = x(from) + width, y1 = y(from) + (leaving[edge] ?? height / 2)
            let x2 = x(to) - 4, y2 = y(to) + (arriving[edge] ?? height / 2)
            let bend = max(24, (x2 - x1) / 2)
            body += "<path class=\"edge\(edge.unless ? " unless" : "")\" marker-end=\"url(#arrow)\" "
            body += "d=\"M\(x1) \(y1) C\(x1 + bend) \(y1), \(x2 - bend) \(y2), \(x2) \(y2)\"/>"
        }
        for node in nodes {
            let name = XMLEncoding.escaped(node.name)
            let shown = node.name.count > 22 ? XMLEncoding.escaped(String(node.name.prefix(21))) + "…" : name
            let kind = node.isTask ? "task" : node.name == session.finalizeTrigger ? "finalize trigger" : "trigger"
            body += "<g class=\"node \(node.isTask ? "task" : "trigger") \(node.state)\"><title>\(kind) \(name): \(node.state)</title>"
            body += "<rect x=\"\(x(node))\" y=\"\(y(node))\" width=\"\(width)\" height=\"\(height)\" rx=\"\(node.isTask ? 6 : 18)\"/>"
            body += "<text x=\"\(x(node) + 10)\" y=\"\(y(node) + 17)\" class=\"name\">\(shown)</text>"
            body += "<text x=\"\(x(node) + 10)\" y=\"\(y(node) + 33)\" class=\"what\">\(kind == "task" ? "" : kind + " · ")\(node.state)</text></g>"
        }
        let columns = (nodes.map(\.column).max() ?? 0) + 1
        let rows = (nodes.map(\.row).max() ?? 0) + 1
        let totalWidth = Double(columns) * width + Double(columns - 1) * columnGap
        let totalHeight = Double(rows) * (height + rowGap) + 2
        return """
            <figure class="graph"><svg viewBox="0 0 \(totalWidth) \(totalHeight)" style="max-width: \(totalWidth)px" role="img" \
            aria-label="What waits on what">\
            <defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto">\
            <path d="M0 0 L8 4 L0 8 z"/></marker></defs>\(body)</svg>\
            <figcaption>Each arrow runs from a trigger, or a task (whose end fires its name), to a task that waits for it; \
            dashed: unless.</figcaption></figure>
            """
    }
}
