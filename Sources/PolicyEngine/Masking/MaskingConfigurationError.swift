/// A masking profile (or the engine built from it) that cannot be used, with the field at
/// fault and a message a person can act on.
///
/// `field` is relative to the profile (`columns[1].action`, `detectors[0].keep`, `secret`);
/// a policy-document loader prefixes its own path and adds the file and line.
public struct MaskingConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem, for code that reacts to it.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case unknownDetector = "unknown detector"
            case unknownAction = "unknown action"
            case keepOutOfRange = "keep out of range"
            case keepWithoutPartial = "keep without partial"
            case emptyPattern = "empty pattern"
            case duplicateRule = "duplicate rule"
            case secretTooShort = "secret too short"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        public static let unknownDetector = Code(.unknownDetector)
        public static let unknownAction = Code(.unknownAction)
        public static let keepOutOfRange = Code(.keepOutOfRange)
        public static let keepWithoutPartial = Code(.keepWithoutPartial)
        public static let emptyPattern = Code(.emptyPattern)
        public static let duplicateRule = Code(.duplicateRule)
        public static let secretTooShort = Code(.secretTooShort)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// Where in the profile: `columns[1].action`, `detectors[0].detector`, `secret`.
    public let field: String
    /// What is wrong and how to fix it.
    public let message: String

    public init(_ code: Code, field: String, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
