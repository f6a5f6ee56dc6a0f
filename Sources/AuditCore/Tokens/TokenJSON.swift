import Foundation

/// A JSON value with its exact type kept, so claim checks can tell a number from a string
/// or a boolean. Produced by ``TokenJSONParser``.
enum TokenJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([TokenJSON])
    case object([String: TokenJSON])

    /// The JSON type's name, for messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
