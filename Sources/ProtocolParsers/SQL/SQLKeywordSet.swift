/// A set of ``SQLKeyword``s as a bitmap: membership is one shift and mask.
struct SQLKeywordSet {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(_ keywords: [SQLKeyword]) {
        for keyword in keywords {
            let bit = UInt64(1) << UInt64(keyword.rawValue & 63)
            switch keyword.rawValue >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }
    }

    @inline(__always)
    func contains(_ keyword: SQLKeyword) -> Bool {
        let bit = UInt64(1) << UInt64(keyword.rawValue & 63)
        switch keyword.rawValue >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }
}
