import AuditCore
import Foundation
import GatewayKit

/// Left-aligned columns for people; long cells are cut with an ellipsis.
struct Table {
    var headers: [String]
    var rows: [[String]] = []
    var maxWidth = 80

    init(_ headers: String...) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells) }
    mutating func add(_ cells: [String]) { rows.append(cells) }

    func render() -> String {
        let cells = ([headers] + rows).map { $0.map { Self.clip($0, maxWidth) } }
        var widths = Array(repeating: 0, count: headers.count)
        for row in cells { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return cells.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func clip(_ text: String, _ width: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= width ? flat : String(flat.prefix(width - 1)) + "…"
    }
}

enum Format {
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS'Z'"
        return formatter.string(from: date)
    }

    /// `alice → etl → loader`: root subject first, then each actor in the order they were delegated to.
    static func chain(subject: String?, actors: [String]) -> String {
        ([subject ?? "-"] + actors.reversed()).joined(separator: " → ")
    }

    /// The most telling field of an event, for the table's last column.
    static func detail(_ event: AuditEvent) -> String {
        for key in ["statement", "command", "reason", "message"] {
            if case .string(let text)? = event.fields[key] { return text }
        }
        return event.fields.keys.sorted().prefix(4).map { "\($0)=\(short(event.fields[$0]!))" }.joined(separator: " ")
    }

    private static func short(_ value: AuditValue) -> String {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return String(flag)
        case .null: return "null"
        case .array(let items): return "[\(items.count)]"
        case .object(let items): return "{\(items.count)}"
        }
    }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = AdminJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static func printJSONLine(_ value: some Encodable) throws {
        print(String(decoding: try AdminJSON.encoder().encode(value), as: UTF8.self))
    }
}
