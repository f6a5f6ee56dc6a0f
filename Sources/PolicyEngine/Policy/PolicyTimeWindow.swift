import Foundation

/// When a rule applies: days of the week and a daily span of local time in one time zone.
///
/// A span that ends before it starts runs over midnight (`22:00-06:00`); the hours after
/// midnight then belong to the day the span started, so `days: [fri]` with `22:00-06:00`
/// covers Friday 22:00 to Saturday 06:00.
public struct PolicyTimeWindow: Sendable, Hashable {
    /// Days the window opens; every day when the file names none.
    public var days: Set<PolicyWeekday> {
        Set(PolicyWeekday.allCases.filter { dayMask & (1 << $0.number) != 0 })
    }
    /// Minutes after local midnight the window opens (0-1439).
    public let startMinute: Int
    /// Minutes after local midnight the window closes (1-1440, exclusive).
    public let endMinute: Int
    /// The zone `days` and the minutes are read in.
    public let timeZone: TimeZone

    private let dayMask: UInt8

    /// - Parameters:
    ///   - days: Days the window opens; empty means every day.
    ///   - startMinute: Opening, minutes after midnight (0-1439).
    ///   - endMinute: Closing, minutes after midnight (1-1440); before `startMinute` for a
    ///     span over midnight; never equal to it.
    ///   - timeZone: The zone to read local time in.
    public init(days: Set<PolicyWeekday> = [], startMinute: Int = 0, endMinute: Int = 1440, timeZone: TimeZone) {
        self.dayMask = days.isEmpty ? 0x7F : days.reduce(0) { $0 | UInt8(1 << $1.number) }
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.timeZone = timeZone
    }

    /// Whether `date` falls inside the window.
    public func contains(_ date: Date) -> Bool {
        let local = Int((date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))).rounded(.down))
        let (days, seconds) = local.quotientAndRemainder(dividingBy: 86_400)
        let dayNumber = seconds < 0 ? days - 1 : days
        let minute = (seconds < 0 ? seconds + 86_400 : seconds) / 60
        // 1970-01-01 was a Thursday (4).
        let weekday = ((dayNumber + 4) % 7 + 7) % 7
        if startMinute < endMinute {
            return minute >= startMinute && minute < endMinute && isOpen(on: weekday)
        }
        if minute >= startMinute { return isOpen(on: weekday) }
        if minute < endMinute { return isOpen(on: (weekday + 6) % 7) }
        return false
    }

    @inline(__always)
    private func isOpen(on weekday: Int) -> Bool {
        dayMask & (1 << UInt8(weekday)) != 0
    }

    /// `HH:MM` for minutes after midnight.
    static func clock(_ minutes: Int) -> String {
        let hours = minutes / 60
        let rest = minutes % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }

    /// Parses `HH:MM-HH:MM` into minutes; nil when malformed or empty.
    static func parseHours(_ text: String) -> (start: Int, end: Int)? {
        let pieces = text.split(separator: "-", omittingEmptySubsequences: false)
        guard pieces.count == 2, let start = parseClock(pieces[0].trimmingCharacters(in: .whitespaces)),
            let end = parseClock(pieces[1].trimmingCharacters(in: .whitespaces)),
            start < 1440, end > 0, start != end
        else { return nil }
        return (start, end)
    }

    /// `HH:MM` (00:00-24:00) into minutes after midnight.
    private static func parseClock(_ text: String) -> Int? {
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, (1...2).contains(pieces[0].count), pieces[1].count == 2,
            pieces.allSatisfy({ $0.allSatisfy { $0 >= "0" && $0 <= "9" } }),
            let hours = Int(pieces[0]), let minutes = Int(pieces[1]),
            (0...24).contains(hours), (0...59).contains(minutes), hours < 24 || minutes == 0
        else { return nil }
        return hours * 60 + minutes
    }
}
