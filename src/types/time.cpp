#include "types/time.h"

#include <array>
#include <limits>

namespace ferris::types {

namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

constexpr std::array<std::string_view, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
/// Indexed by days-since-epoch mod 7 plus 4, i.e. 0 = Sunday.
constexpr std::array<std::string_view, 7> kWeekdayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

constexpr bool isDigit(char c) { return static_cast<unsigned>(c - '0') < 10U; }

/// Floor division and modulo for a positive divisor.
constexpr int64_t floorDiv(int64_t value, int64_t divisor) {
    const int64_t quotient = value / divisor;
    return (value % divisor < 0) ? quotient - 1 : quotient;
}
constexpr int64_t floorMod(int64_t value, int64_t divisor) {
    const int64_t remainder = value % divisor;
    return remainder < 0 ? remainder + divisor : remainder;
}

constexpr bool isLeapYear(int64_t year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/// 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday).
constexpr int isoWeekdayIndex(int64_t days) { return static_cast<int>(floorMod(days + 3, 7)); }

/// 1..366.
int64_t dayOfYear(int64_t days, int64_t year) {
    return days - daysFromCivil(CivilDate{year, 1, 1}) + 1;
}

/// days * kMicrosPerDay + timeOfDay (0 ≤ timeOfDay < a day) without an intermediate
/// overflow when the result itself fits. False when it does not.
bool microsFromDays(int64_t days, int64_t timeOfDay, int64_t& out) {
    int64_t dayStart = 0;
    if (days >= 0) {
        return !__builtin_mul_overflow(days, kMicrosPerDay, &dayStart) &&
               !__builtin_add_overflow(dayStart, timeOfDay, &out);
    }
    // Go through the end of the day so the first partial day of the int64 range works.
    return !__builtin_mul_overflow(days + 1, kMicrosPerDay, &dayStart) &&
           !__builtin_add_overflow(dayStart, timeOfDay - kMicrosPerDay, &out);
}

/// The start of `days`, or INT64_MIN when that lies before the int64 range.
int64_t startOfDay(int64_t days) {
    int64_t out = 0;
    return microsFromDays(days, 0, out) ? out : kInt64Min;
}

/// Start of the multiple of `unit` micros containing `micros`, without overflow.
int64_t floorToMultiple(int64_t micros, int64_t unit) {
    const int64_t remainder = floorMod(micros, unit);
    int64_t out = 0;
    return __builtin_sub_overflow(micros, remainder, &out) ? kInt64Min : out;
}

char* writeTwoDigits(char* out, int value) {
    out[0] = static_cast<char>('0' + value / 10);
    out[1] = static_cast<char>('0' + value % 10);
    return out + 2;
}

/// Zero-padded to `width` digits (more when the value needs them).
char* writeUnsigned(char* out, uint64_t value, int width) {
    char digits[20];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (int i = count; i < width; ++i) *out++ = '0';
    while (count > 0) *out++ = digits[--count];
    return out;
}

/// Four digits for 0..9999, else the ISO expanded form with a sign.
char* writeYear(char* out, int64_t year) {
    if (year >= 0 && year <= 9999) {
        const int value = static_cast<int>(year);
        out = writeTwoDigits(out, value / 100);
        return writeTwoDigits(out, value % 100);
    }
    *out++ = year < 0 ? '-' : '+';
    const uint64_t magnitude =
        year < 0 ? uint64_t{0} - static_cast<uint64_t>(year) : static_cast<uint64_t>(year);
    return writeUnsigned(out, magnitude, 4);
}

/// `YYYY-MM-DD`; returns the end.
char* writeDate(char* out, const CivilDate& date) {
    out = writeYear(out, date.year);
    *out++ = '-';
    out = writeTwoDigits(out, date.month);
    *out++ = '-';
    return writeTwoDigits(out, date.day);
}

/// Reads exactly two digits at `p` (the caller checked there are two characters).
bool readTwoDigits(const char* p, int& value) {
    if (!isDigit(p[0]) || !isDigit(p[1])) return false;
    value = (p[0] - '0') * 10 + (p[1] - '0');
    return true;
}

/// `YYYY-MM-DD` at the front of [p, end); advances p. A signed or longer-than-four-digit
/// year is read (up to 18 digits) and flagged in `yearOutOfRange` when outside 0..9999;
/// one inside that range in such a form is malformed.
bool parseDatePart(const char*& p, const char* end, CivilDate& date, bool& yearOutOfRange) {
    bool negative = false;
    bool expanded = false;
    if (p < end && (*p == '+' || *p == '-')) {
        negative = *p == '-';
        expanded = true;
        ++p;
    }
    int64_t year = 0;
    int digits = 0;
    while (p < end && isDigit(*p) && digits < 18) {
        year = year * 10 + (*p - '0');
        ++p;
        ++digits;
    }
    if (digits < 4 || (p < end && isDigit(*p))) return false;
    if (digits > 4) expanded = true;
    if (negative) year = -year;
    if (expanded) {
        if (year >= 0 && year <= 9999) return false;
        yearOutOfRange = true;
    }
    int month = 0;
    int day = 0;
    if (end - p < 6 || p[0] != '-' || !readTwoDigits(p + 1, month) || p[3] != '-' ||
        !readTwoDigits(p + 4, day) || !isValidCivilDate(year, month, day)) {
        return false;
    }
    p += 6;
    date = CivilDate{year, month, day};
    return true;
}

/// Reads 1..9 fractional digits at p; micros gets the first six, the rest are truncated.
bool parseFraction(const char*& p, const char* end, int& micros) {
    int value = 0;
    int digits = 0;
    while (p < end && isDigit(*p)) {
        if (digits < 6) value = value * 10 + (*p - '0');
        ++digits;
        ++p;
    }
    if (digits == 0 || digits > 9) return false;
    for (int i = digits; i < 6; ++i) value *= 10;
    micros = value;
    return true;
}

/// A zone offset at the sign p points to: `±HH:MM`, `±HHMM`, and `±HH` when `allowHourOnly`.
/// `offset` gets the signed offset in microseconds (east of UTC positive).
bool parseZoneOffset(const char*& p, const char* end, bool allowHourOnly, int64_t& offset) {
    const bool negative = *p == '-';
    ++p;
    int hours = 0;
    int minutes = 0;
    if (end - p < 2 || !readTwoDigits(p, hours)) return false;
    p += 2;
    if (p < end && *p == ':') {
        if (end - p < 3 || !readTwoDigits(p + 1, minutes)) return false;
        p += 3;
    } else if (end - p >= 2 && isDigit(*p)) {
        if (!readTwoDigits(p, minutes)) return false;
        p += 2;
    } else if (!allowHourOnly) {
        return false;
    }
    if (hours > 23 || minutes > 59) return false;
    offset = hours * kMicrosPerHour + minutes * kMicrosPerMinute;
    if (negative) offset = -offset;
    return true;
}

char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

/// Case-insensitive match of `word` at p.
bool matchesWord(const char* p, const char* end, std::string_view word) {
    if (static_cast<size_t>(end - p) < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
        if (asciiLower(p[i]) != asciiLower(word[i])) return false;
    }
    return true;
}

/// Matches a full or three-letter name from `names` at p (case-insensitive); returns its
/// index or -1.
template <size_t N>
int matchName(const char*& p, const char* end, const std::array<std::string_view, N>& names) {
    for (size_t i = 0; i < N; ++i) {
        if (matchesWord(p, end, names[i])) {
            p += names[i].size();
            return static_cast<int>(i);
        }
    }
    for (size_t i = 0; i < N; ++i) {
        if (matchesWord(p, end, names[i].substr(0, 3))) {
            p += 3;
            return static_cast<int>(i);
        }
    }
    return -1;
}

/// Reads minDigits..maxDigits digits (greedy) at p.
bool readNumber(const char*& p, const char* end, int minDigits, int maxDigits, int& value) {
    int digits = 0;
    value = 0;
    while (p < end && digits < maxDigits && isDigit(*p)) {
        value = value * 10 + (*p - '0');
        ++p;
        ++digits;
    }
    return digits >= minDigits;
}

constexpr std::string_view kPatternConversions = "YmdHIMSfjzabp%";

}  // namespace

// ---- civil conversions ---------------------------------------------------------------------

int64_t daysFromCivil(CivilDate date) {
    const int64_t year = date.year - (date.month <= 2 ? 1 : 0);
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const int64_t yearOfEra = year - era * 400;                                // [0, 399]
    const int64_t shiftedMonth = date.month > 2 ? date.month - 3 : date.month + 9;  // March = 0
    const int64_t dayOfYear = (153 * shiftedMonth + 2) / 5 + date.day - 1;     // [0, 365]
    const int64_t dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
}

CivilDate civilFromDays(int64_t days) {
    days += 719468;  // days since 0000-03-01
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const int64_t dayOfEra = days - era * 146097;  // [0, 146096]
    const int64_t yearOfEra =
        (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;  // [0, 399]
    const int64_t dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const int64_t shiftedMonth = (5 * dayOfYear + 2) / 153;  // March = 0
    CivilDate date;
    date.day = static_cast<int>(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1);
    date.month = static_cast<int>(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9);
    date.year = yearOfEra + era * 400 + (date.month <= 2 ? 1 : 0);
    return date;
}

int64_t floorDays(int64_t micros) { return floorDiv(micros, kMicrosPerDay); }

CivilTime civilFromMicros(int64_t micros) {
    const int64_t timeOfDay = floorMod(micros, kMicrosPerDay);
    CivilTime time;
    time.date = civilFromDays(floorDays(micros));
    time.hour = static_cast<int>(timeOfDay / kMicrosPerHour);
    time.minute = static_cast<int>(timeOfDay / kMicrosPerMinute % 60);
    time.second = static_cast<int>(timeOfDay / kMicrosPerSecond % 60);
    time.micros = static_cast<int>(timeOfDay % kMicrosPerSecond);
    return time;
}

int64_t microsFromCivil(const CivilTime& time) {
    return daysFromCivil(time.date) * kMicrosPerDay + time.hour * kMicrosPerHour +
           time.minute * kMicrosPerMinute + time.second * kMicrosPerSecond + time.micros;
}

int daysInMonth(int64_t year, int month) {
    static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) return 0;
    return (month == 2 && isLeapYear(year)) ? 29 : kDays[static_cast<size_t>(month - 1)];
}

bool isValidCivilDate(int64_t year, int month, int day) {
    return day >= 1 && day <= daysInMonth(year, month);
}

// ---- parsing -------------------------------------------------------------------------------

TimeParseStatus parseTimestampIso(std::string_view text, int64_t& micros) {
    const char* p = text.data();
    const char* const end = p + text.size();
    CivilTime time;
    bool yearOutOfRange = false;
    if (!parseDatePart(p, end, time.date, yearOutOfRange)) return TimeParseStatus::kInvalid;
    int64_t offset = 0;
    if (p != end) {
        if (*p != 'T' && *p != ' ') return TimeParseStatus::kInvalid;
        ++p;
        if (end - p < 5 || !readTwoDigits(p, time.hour) || p[2] != ':' ||
            !readTwoDigits(p + 3, time.minute) || time.hour > 23 || time.minute > 59) {
            return TimeParseStatus::kInvalid;
        }
        p += 5;
        if (p < end && *p == ':') {
            if (end - p < 3 || !readTwoDigits(p + 1, time.second) || time.second > 59) {
                return TimeParseStatus::kInvalid;
            }
            p += 3;
            if (p < end && *p == '.') {
                ++p;
                if (!parseFraction(p, end, time.micros)) return TimeParseStatus::kInvalid;
            }
        }
        if (p < end) {
            if (*p == 'Z' || *p == 'z') {
                ++p;
            } else if (*p == '+' || *p == '-') {
                if (!parseZoneOffset(p, end, true, offset)) return TimeParseStatus::kInvalid;
            } else {
                return TimeParseStatus::kInvalid;
            }
            if (p != end) return TimeParseStatus::kInvalid;
        }
    }
    if (yearOutOfRange) return TimeParseStatus::kOutOfRange;
    micros = microsFromCivil(time) - offset;
    return TimeParseStatus::kOk;
}

TimeParseStatus parseDate(std::string_view text, int32_t& days) {
    const char* p = text.data();
    const char* const end = p + text.size();
    CivilDate date;
    bool yearOutOfRange = false;
    if (!parseDatePart(p, end, date, yearOutOfRange) || p != end) {
        return TimeParseStatus::kInvalid;
    }
    if (yearOutOfRange) return TimeParseStatus::kOutOfRange;
    days = static_cast<int32_t>(daysFromCivil(date));
    return TimeParseStatus::kOk;
}

TimeParseStatus parseTimestampPattern(std::string_view text, std::string_view pattern,
                                      int64_t& micros) {
    const char* p = text.data();
    const char* const end = p + text.size();
    CivilTime time;
    int dayOfYearField = 0;
    bool hasMonth = false;
    bool hasDay = false;
    int hour12 = -1;  // %I, 1..12
    bool pm = false;
    int64_t offset = 0;
    int year = 1970;
    for (size_t i = 0; i < pattern.size(); ++i) {
        const char pc = pattern[i];
        if (pc != '%') {
            if (p == end || *p != pc) return TimeParseStatus::kInvalid;
            ++p;
            continue;
        }
        if (++i == pattern.size()) return TimeParseStatus::kInvalid;
        int value = 0;
        switch (pattern[i]) {
            case 'Y':
                if (!readNumber(p, end, 4, 4, year)) return TimeParseStatus::kInvalid;
                break;
            case 'm':
                if (!readNumber(p, end, 1, 2, value) || value < 1 || value > 12) {
                    return TimeParseStatus::kInvalid;
                }
                time.date.month = value;
                hasMonth = true;
                break;
            case 'd':
                if (!readNumber(p, end, 1, 2, value) || value < 1) return TimeParseStatus::kInvalid;
                time.date.day = value;
                hasDay = true;
                break;
            case 'H':
                if (!readNumber(p, end, 1, 2, value) || value > 23) {
                    return TimeParseStatus::kInvalid;
                }
                time.hour = value;
                hour12 = -1;
                break;
            case 'I':
                if (!readNumber(p, end, 1, 2, value) || value < 1 || value > 12) {
                    return TimeParseStatus::kInvalid;
                }
                hour12 = value;
                break;
            case 'M':
                if (!readNumber(p, end, 1, 2, value) || value > 59) {
                    return TimeParseStatus::kInvalid;
                }
                time.minute = value;
                break;
            case 'S':
                if (!readNumber(p, end, 1, 2, value) || value > 59) {
                    return TimeParseStatus::kInvalid;
                }
                time.second = value;
                break;
            case 'f':
                if (!parseFraction(p, end, time.micros)) return TimeParseStatus::kInvalid;
                break;
            case 'j':
                if (!readNumber(p, end, 1, 3, value) || value < 1 || value > 366) {
                    return TimeParseStatus::kInvalid;
                }
                dayOfYearField = value;
                break;
            case 'z':
                if (p < end && (*p == 'Z' || *p == 'z')) {
                    ++p;
                    offset = 0;
                } else if (p == end || (*p != '+' && *p != '-') ||
                           !parseZoneOffset(p, end, false, offset)) {
                    return TimeParseStatus::kInvalid;
                }
                break;
            case 'b':
                value = matchName(p, end, kMonthNames);
                if (value < 0) return TimeParseStatus::kInvalid;
                time.date.month = value + 1;
                hasMonth = true;
                break;
            case 'a':
                if (matchName(p, end, kWeekdayNames) < 0) return TimeParseStatus::kInvalid;
                break;
            case 'p':
                if (matchesWord(p, end, "AM") || matchesWord(p, end, "PM")) {
                    pm = asciiLower(*p) == 'p';
                    p += 2;
                } else {
                    return TimeParseStatus::kInvalid;
                }
                break;
            case '%':
                if (p == end || *p != '%') return TimeParseStatus::kInvalid;
                ++p;
                break;
            default:
                return TimeParseStatus::kInvalid;
        }
    }
    if (p != end) return TimeParseStatus::kInvalid;
    if (hour12 > 0) time.hour = hour12 % 12 + (pm ? 12 : 0);
    time.date.year = year;
    if (dayOfYearField > 0) {
        if (dayOfYearField > (isLeapYear(year) ? 366 : 365)) return TimeParseStatus::kInvalid;
        const CivilDate date =
            civilFromDays(daysFromCivil(CivilDate{year, 1, 1}) + dayOfYearField - 1);
        if ((hasMonth && date.month != time.date.month) || (hasDay && date.day != time.date.day)) {
            return TimeParseStatus::kInvalid;
        }
        time.date = date;
    } else if (!isValidCivilDate(year, time.date.month, time.date.day)) {
        return TimeParseStatus::kInvalid;
    }
    micros = microsFromCivil(time) - offset;
    return TimeParseStatus::kOk;
}

// ---- formatting ----------------------------------------------------------------------------

size_t formatTimestampIso(int64_t micros, char* buffer) {
    const CivilTime time = civilFromMicros(micros);
    char* out = writeDate(buffer, time.date);
    *out++ = 'T';
    out = writeTwoDigits(out, time.hour);
    *out++ = ':';
    out = writeTwoDigits(out, time.minute);
    *out++ = ':';
    out = writeTwoDigits(out, time.second);
    *out++ = '.';
    const int millis = time.micros / 1000;
    *out++ = static_cast<char>('0' + millis / 100);
    out = writeTwoDigits(out, millis % 100);
    *out++ = 'Z';
    return static_cast<size_t>(out - buffer);
}

std::string timestampToIsoString(int64_t micros) {
    char buffer[kTimestampMaxChars];
    return std::string(buffer, formatTimestampIso(micros, buffer));
}

size_t formatDate(int32_t days, char* buffer) {
    return static_cast<size_t>(writeDate(buffer, civilFromDays(days)) - buffer);
}

std::string dateToString(int32_t days) {
    char buffer[kTimestampMaxChars];
    return std::string(buffer, formatDate(days, buffer));
}

std::string formatTimestampPattern(int64_t micros, std::string_view pattern) {
    const CivilTime time = civilFromMicros(micros);
    std::string result;
    result.reserve(pattern.size() + 16);
    char scratch[kTimestampMaxChars];
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '%' || i + 1 == pattern.size()) {
            result.push_back(pattern[i]);
            continue;
        }
        const char conversion = pattern[++i];
        char* out = scratch;
        switch (conversion) {
            case 'Y': out = writeYear(out, time.date.year); break;
            case 'm': out = writeTwoDigits(out, time.date.month); break;
            case 'd': out = writeTwoDigits(out, time.date.day); break;
            case 'H': out = writeTwoDigits(out, time.hour); break;
            case 'I': out = writeTwoDigits(out, time.hour % 12 == 0 ? 12 : time.hour % 12); break;
            case 'M': out = writeTwoDigits(out, time.minute); break;
            case 'S': out = writeTwoDigits(out, time.second); break;
            case 'f': out = writeUnsigned(out, static_cast<uint64_t>(time.micros), 6); break;
            case 'j': {
                const int64_t doy = dayOfYear(floorDays(micros), time.date.year);
                out = writeUnsigned(out, static_cast<uint64_t>(doy), 3);
                break;
            }
            case 'z': result.append("+0000"); break;
            case 'a': {
                const int64_t weekday = floorMod(floorDays(micros) + 4, 7);
                result.append(kWeekdayNames[static_cast<size_t>(weekday)].substr(0, 3));
                break;
            }
            case 'b':
                result.append(kMonthNames[static_cast<size_t>(time.date.month - 1)].substr(0, 3));
                break;
            case 'p': result.append(time.hour < 12 ? "AM" : "PM"); break;
            case '%': result.push_back('%'); break;
            default:
                result.push_back('%');
                result.push_back(conversion);
                break;
        }
        result.append(scratch, static_cast<size_t>(out - scratch));
    }
    return result;
}

std::string validateTimestampPattern(std::string_view pattern) {
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '%') continue;
        if (i + 1 == pattern.size()) return "%";
        const char conversion = pattern[++i];
        if (kPatternConversions.find(conversion) == std::string_view::npos) {
            return std::string{'%', conversion};
        }
    }
    return "";
}

// ---- units ---------------------------------------------------------------------------------

bool parseTimeUnit(std::string_view text, TimeUnit& unit) {
    struct Entry {
        std::string_view name;
        TimeUnit unit;
    };
    static constexpr Entry kUnits[] = {
        {"MICROSECOND", TimeUnit::kMicrosecond}, {"MICROSECONDS", TimeUnit::kMicrosecond},
        {"US", TimeUnit::kMicrosecond},          {"MILLISECOND", TimeUnit::kMillisecond},
        {"MILLISECONDS", TimeUnit::kMillisecond}, {"MS", TimeUnit::kMillisecond},
        {"SECOND", TimeUnit::kSecond},           {"SECONDS", TimeUnit::kSecond},
        {"MINUTE", TimeUnit::kMinute},           {"MINUTES", TimeUnit::kMinute},
        {"HOUR", TimeUnit::kHour},               {"HOURS", TimeUnit::kHour},
        {"DAY", TimeUnit::kDay},                 {"DAYS", TimeUnit::kDay},
        {"WEEK", TimeUnit::kWeek},               {"WEEKS", TimeUnit::kWeek},
        {"MONTH", TimeUnit::kMonth},             {"MONTHS", TimeUnit::kMonth},
        {"QUARTER", TimeUnit::kQuarter},         {"QUARTERS", TimeUnit::kQuarter},
        {"YEAR", TimeUnit::kYear},               {"YEARS", TimeUnit::kYear},
        {"DOW", TimeUnit::kDayOfWeek},           {"DAYOFWEEK", TimeUnit::kDayOfWeek},
        {"DOY", TimeUnit::kDayOfYear},           {"DAYOFYEAR", TimeUnit::kDayOfYear},
        {"EPOCH", TimeUnit::kEpoch},
    };
    for (const Entry& entry : kUnits) {
        if (entry.name.size() == text.size() && matchesWord(text.data(), text.data() + text.size(),
                                                            entry.name)) {
            unit = entry.unit;
            return true;
        }
    }
    return false;
}

std::string_view timeUnitName(TimeUnit unit) {
    switch (unit) {
        case TimeUnit::kMicrosecond: return "MICROSECOND";
        case TimeUnit::kMillisecond: return "MILLISECOND";
        case TimeUnit::kSecond: return "SECOND";
        case TimeUnit::kMinute: return "MINUTE";
        case TimeUnit::kHour: return "HOUR";
        case TimeUnit::kDay: return "DAY";
        case TimeUnit::kWeek: return "WEEK";
        case TimeUnit::kMonth: return "MONTH";
        case TimeUnit::kQuarter: return "QUARTER";
        case TimeUnit::kYear: return "YEAR";
        case TimeUnit::kDayOfWeek: return "DAYOFWEEK";
        case TimeUnit::kDayOfYear: return "DAYOFYEAR";
        case TimeUnit::kEpoch: return "EPOCH";
    }
    return "UNKNOWN";
}

bool isExtractOnlyUnit(TimeUnit unit) {
    return unit == TimeUnit::kDayOfWeek || unit == TimeUnit::kDayOfYear ||
           unit == TimeUnit::kEpoch;
}

namespace {

/// Microseconds in a fixed-length unit (MICROSECOND..WEEK), 0 for calendar units.
constexpr int64_t fixedUnitMicros(TimeUnit unit) {
    switch (unit) {
        case TimeUnit::kMicrosecond: return 1;
        case TimeUnit::kMillisecond: return kMicrosPerMilli;
        case TimeUnit::kSecond: return kMicrosPerSecond;
        case TimeUnit::kMinute: return kMicrosPerMinute;
        case TimeUnit::kHour: return kMicrosPerHour;
        case TimeUnit::kDay: return kMicrosPerDay;
        case TimeUnit::kWeek: return 7 * kMicrosPerDay;
        default: return 0;
    }
}

/// The Monday starting the ISO week of `days`.
int64_t mondayOnOrBefore(int64_t days) { return days - isoWeekdayIndex(days); }

/// ISO 8601 week number: the week (Monday-based) containing the year's first Thursday is 1.
int64_t isoWeekNumber(int64_t days) {
    const int64_t thursday = mondayOnOrBefore(days) + 3;
    const int64_t thursdayYear = civilFromDays(thursday).year;
    return (dayOfYear(thursday, thursdayYear) - 1) / 7 + 1;
}

}  // namespace

// ---- EXTRACT, DATE_TRUNC, DATEDIFF ---------------------------------------------------------

int64_t extractFromTimestamp(TimeUnit unit, int64_t micros) {
    const CivilTime time = civilFromMicros(micros);
    switch (unit) {
        case TimeUnit::kYear: return time.date.year;
        case TimeUnit::kQuarter: return (time.date.month - 1) / 3 + 1;
        case TimeUnit::kMonth: return time.date.month;
        case TimeUnit::kWeek: return isoWeekNumber(floorDays(micros));
        case TimeUnit::kDay: return time.date.day;
        case TimeUnit::kHour: return time.hour;
        case TimeUnit::kMinute: return time.minute;
        case TimeUnit::kSecond: return time.second;
        case TimeUnit::kMillisecond: return time.second * 1000 + time.micros / 1000;
        case TimeUnit::kMicrosecond: return time.second * kMicrosPerSecond + time.micros;
        case TimeUnit::kDayOfWeek: return floorMod(floorDays(micros) + 4, 7) + 1;
        case TimeUnit::kDayOfYear: return dayOfYear(floorDays(micros), time.date.year);
        case TimeUnit::kEpoch: return floorDiv(micros, kMicrosPerSecond);
    }
    return 0;
}

int64_t truncateTimestamp(TimeUnit unit, int64_t micros) {
    switch (unit) {
        case TimeUnit::kMicrosecond: return micros;
        case TimeUnit::kMillisecond:
        case TimeUnit::kSecond:
        case TimeUnit::kMinute:
        case TimeUnit::kHour: return floorToMultiple(micros, fixedUnitMicros(unit));
        case TimeUnit::kDay: return startOfDay(floorDays(micros));
        case TimeUnit::kWeek: return startOfDay(mondayOnOrBefore(floorDays(micros)));
        case TimeUnit::kMonth:
        case TimeUnit::kQuarter:
        case TimeUnit::kYear: {
            CivilDate date = civilFromDays(floorDays(micros));
            if (unit == TimeUnit::kYear) date.month = 1;
            if (unit == TimeUnit::kQuarter) date.month = (date.month - 1) / 3 * 3 + 1;
            date.day = 1;
            return startOfDay(daysFromCivil(date));
        }
        case TimeUnit::kDayOfWeek:
        case TimeUnit::kDayOfYear:
        case TimeUnit::kEpoch: return micros;
    }
    return micros;
}

int64_t diffTimestamps(TimeUnit unit, int64_t start, int64_t end) {
    switch (unit) {
        case TimeUnit::kMicrosecond: {
            int64_t diff = 0;
            if (!__builtin_sub_overflow(end, start, &diff)) return diff;
            return end > start ? kInt64Max : kInt64Min;
        }
        case TimeUnit::kMillisecond:
        case TimeUnit::kSecond:
        case TimeUnit::kMinute:
        case TimeUnit::kHour:
        case TimeUnit::kDay: {
            const int64_t size = fixedUnitMicros(unit);
            return floorDiv(end, size) - floorDiv(start, size);
        }
        case TimeUnit::kWeek:
            return (mondayOnOrBefore(floorDays(end)) - mondayOnOrBefore(floorDays(start))) / 7;
        case TimeUnit::kMonth:
        case TimeUnit::kQuarter:
        case TimeUnit::kYear: {
            const CivilDate from = civilFromDays(floorDays(start));
            const CivilDate to = civilFromDays(floorDays(end));
            if (unit == TimeUnit::kYear) return to.year - from.year;
            if (unit == TimeUnit::kQuarter) {
                return (to.year * 4 + (to.month - 1) / 3) - (from.year * 4 + (from.month - 1) / 3);
            }
            return (to.year * 12 + to.month) - (from.year * 12 + from.month);
        }
        case TimeUnit::kDayOfWeek:
        case TimeUnit::kDayOfYear:
        case TimeUnit::kEpoch: return 0;
    }
    return 0;
}

// ---- intervals -----------------------------------------------------------------------------

bool addInterval(int64_t micros, IntervalValue interval, int64_t& out) {
    int64_t result = micros;
    if (interval.months != 0) {
        const int64_t days = floorDays(micros);
        const CivilDate date = civilFromDays(days);
        const int64_t monthIndex = date.year * 12 + (date.month - 1) + interval.months;
        CivilDate shifted;
        shifted.year = floorDiv(monthIndex, 12);
        shifted.month = static_cast<int>(floorMod(monthIndex, 12)) + 1;
        const int lastDay = daysInMonth(shifted.year, shifted.month);
        shifted.day = date.day < lastDay ? date.day : lastDay;
        if (!microsFromDays(daysFromCivil(shifted), floorMod(micros, kMicrosPerDay), result)) {
            return false;
        }
    }
    return !__builtin_add_overflow(result, interval.micros, &out);
}

bool makeInterval(int64_t amount, TimeUnit unit, IntervalValue& out) {
    int64_t monthsPerUnit = 0;
    switch (unit) {
        case TimeUnit::kYear: monthsPerUnit = 12; break;
        case TimeUnit::kQuarter: monthsPerUnit = 3; break;
        case TimeUnit::kMonth: monthsPerUnit = 1; break;
        case TimeUnit::kDayOfWeek:
        case TimeUnit::kDayOfYear:
        case TimeUnit::kEpoch: return false;
        default: break;
    }
    if (monthsPerUnit != 0) {
        int64_t months = 0;
        if (__builtin_mul_overflow(amount, monthsPerUnit, &months) ||
            months < std::numeric_limits<int32_t>::min() ||
            months > std::numeric_limits<int32_t>::max()) {
            return false;
        }
        out = IntervalValue{static_cast<int32_t>(months), 0};
        return true;
    }
    int64_t micros = 0;
    if (__builtin_mul_overflow(amount, fixedUnitMicros(unit), &micros)) return false;
    out = IntervalValue{0, micros};
    return true;
}

bool parseDurationShorthand(std::string_view text, int64_t& micros) {
    size_t digits = 0;
    int64_t amount = 0;
    while (digits < text.size() && isDigit(text[digits])) {
        if (__builtin_mul_overflow(amount, int64_t{10}, &amount) ||
            __builtin_add_overflow(amount, int64_t{text[digits] - '0'}, &amount)) {
            return false;
        }
        ++digits;
    }
    if (digits == 0) return false;
    const std::string_view suffix = text.substr(digits);
    const char* const begin = suffix.data();
    const char* const end = begin + suffix.size();
    int64_t unitMicros = 0;
    if (suffix.size() == 2 && matchesWord(begin, end, "us")) {
        unitMicros = 1;
    } else if (suffix.size() == 2 && matchesWord(begin, end, "ms")) {
        unitMicros = kMicrosPerMilli;
    } else if (suffix.size() == 1) {
        switch (asciiLower(suffix[0])) {
            case 's': unitMicros = kMicrosPerSecond; break;
            case 'm': unitMicros = kMicrosPerMinute; break;
            case 'h': unitMicros = kMicrosPerHour; break;
            case 'd': unitMicros = kMicrosPerDay; break;
            default: return false;
        }
    } else {
        return false;
    }
    return !__builtin_mul_overflow(amount, unitMicros, &micros);
}

int64_t intervalToMillis(IntervalValue interval) {
    // Floor, as timestamps are written: -1.5 ms is -2.
    int64_t millis = interval.micros / kMicrosPerMilli;
    if (interval.micros % kMicrosPerMilli < 0) --millis;
    return interval.months * (30 * kMicrosPerDay / kMicrosPerMilli) + millis;
}

std::string intervalToString(IntervalValue interval) {
    std::string result;
    if (interval.months != 0) {
        const bool years = interval.months % 12 == 0;
        result = std::to_string(years ? interval.months / 12 : interval.months);
        result.append(years ? " YEAR" : " MONTH");
    }
    if (interval.micros != 0 || interval.months == 0) {
        static constexpr std::array<TimeUnit, 5> kUnits = {
            TimeUnit::kDay, TimeUnit::kHour, TimeUnit::kMinute, TimeUnit::kSecond,
            TimeUnit::kMillisecond};
        TimeUnit chosen = TimeUnit::kMicrosecond;
        if (interval.micros == 0) {
            chosen = TimeUnit::kSecond;
        } else {
            for (TimeUnit unit : kUnits) {
                if (interval.micros % fixedUnitMicros(unit) == 0) {
                    chosen = unit;
                    break;
                }
            }
        }
        if (!result.empty()) result.push_back(' ');
        result.append(std::to_string(interval.micros / fixedUnitMicros(chosen)));
        result.push_back(' ');
        result.append(timeUnitName(chosen));
    }
    return result;
}

}  // namespace ferris::types
