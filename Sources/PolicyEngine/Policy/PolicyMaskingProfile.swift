/// A masking profile as a policy file defines it: validated in shape, not yet a masker.
///
/// The masking engine builds its own profile from these plain values (the fields mirror
/// its column and detector entries); the policy checks that they are well formed and that
/// every rule's `masking_profile` names a profile that exists.
public struct PolicyMaskingProfile: Sendable, Hashable {
    /// The profile's name, as rules refer to it.
    public var name: String
    public var description: String?
    /// Rules that mask whole values by column name, in file order.
    public var columns: [ColumnRule]
    /// Rules that mask what a value detector finds, in file order.
    public var detectors: [DetectorRule]
    public var location: PolicyLocation

    public init(
        name: String, description: String? = nil, columns: [ColumnRule] = [], detectors: [DetectorRule] = [],
        location: PolicyLocation = PolicyLocation(file: "(code)", line: nil)
    ) {
        self.name = name
        self.description = description
        self.columns = columns
        self.detectors = detectors
        self.location = location
    }

    /// Masks whole values of the columns `match` names.
    public struct ColumnRule: Sendable, Hashable {
        /// Column glob (`*`, `?`; case-insensitive), optionally table-qualified: `email`,
        /// `orders.email`, `*.card_*`.
        public var match: String
        /// `redact`, `partial` or `pseudonym` (from ``PolicyVocabulary/maskingActions``).
        public var action: String
        /// For `partial`: how many trailing characters stay visible.
        public var keep: Int?
        /// Connection globs the rule is limited to; empty for all.
        public var connections: [String]
        /// The rule's name in masking counts.
        public var name: String?

        public init(match: String, action: String, keep: Int? = nil, connections: [String] = [], name: String? = nil) {
            self.match = match
            self.action = action
            self.keep = keep
            self.connections = connections
            self.name = name
        }
    }

    /// Masks what a detector finds in any value or text.
    public struct DetectorRule: Sendable, Hashable {
        /// A detector name from ``PolicyVocabulary/detectors``.
        public var detector: String
        /// `redact`, `partial` or `pseudonym`.
        public var action: String
        /// For `partial`: how many trailing characters stay visible.
        public var keep: Int?
        /// The rule's name in masking counts.
        public var name: String?

        public init(detector: String, action: String, keep: Int? = nil, name: String? = nil) {
            self.detector = detector
            self.action = action
            self.keep = keep
            self.name = name
        }
    }
}
