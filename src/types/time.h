#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "types/data_type.h"

namespace ferris::types {

inline constexpr int64_t kMicrosPerMilli = 1000;
inline constexpr int64_t kMicrosPerSecond = 1000 * kMicrosPerMilli;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

/// A proleptic-Gregorian calendar date.
struct CivilDate {
    int64_t year = 1970;
    int month = 1;  ///< 1..12
    int day = 1;    ///< 1..31
};

/// A broken-down UTC timestamp.
struct CivilTime {
    CivilDate date;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int micros = 0;  ///< 0..999999
};

/// Days since 1970-01-01 of a civil date (valid dates only; no checking).
int64_t daysFromCivil(CivilDate date);
CivilDate civilFromDays(int64_t days);
CivilTime civilFromMicros(int64_t micros);
int64_t microsFromCivil(const CivilTime& time);
/// Floor division of a timestamp into days, correct for negative values.
int64_t floorDays(int64_t micros);
bool isValidCivilDate(int64_t year, int month, int day);
int daysInMonth(int64_t year, int month);

/// Outcome of parsing temporal text; the caller turns a failure into a message.
enum class TimeParseStatus : uint8_t { kOk, kInvalid, kOutOfRange };

/// ISO-8601 timestamp: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.f{1,9}]]` (`T` or a space),
/// optional zone `Z`, `z`, `±HH:MM`, `±HHMM`, `±HH`; no zone means UTC. Fractions beyond
/// microseconds are truncated.
TimeParseStatus parseTimestampIso(std::string_view text, int64_t& micros);
/// `YYYY-MM-DD`.
TimeParseStatus parseDate(std::string_view text, int32_t& days);
/// strftime-style pattern parse (`%Y %m %d %H %M %S %f %z %j %b %%`, literal characters
/// must match); used by `event.time.format`.
TimeParseStatus parseTimestampPattern(std::string_view text, std::string_view pattern, int64_t& micros);

/// `YYYY-MM-DDTHH:MM:SS.sssZ` (millisecond precision, the JSON/CSV output form).
/// `buffer` must hold kTimestampMaxChars; returns bytes written.
inline constexpr size_t kTimestampMaxChars = 40;
size_t formatTimestampIso(int64_t micros, char* buffer);
std::string timestampToIsoString(int64_t micros);
/// `YYYY-MM-DD`; returns bytes written into a kTimestampMaxChars buffer.
size_t formatDate(int32_t days, char* buffer);
std::string dateToString(int32_t days);
/// strftime-style formatting (`%Y %m %d %H %M %S %f %j %a %b %p %%`), used by DATE_FORMAT.
std::string formatTimestampPattern(int64_t micros, std::string_view pattern);
/// Checks a pattern for unknown conversions; returns the offending conversion or "".
std::string validateTimestampPattern(std::string_view pattern);

/// The units of INTERVAL literals, EXTRACT, DATE_TRUNC and DATEDIFF.
enum class TimeUnit : uint8_t {
    kMicrosecond,
    kMillisecond,
    kSecond,
    kMinute,
    kHour,
    kDay,
    kWeek,
    kMonth,
    kQuarter,
    kYear,
    kDayOfWeek,   ///< EXTRACT only: 1 = Sunday .. 7 = Saturday
    kDayOfYear,   ///< EXTRACT only: 1..366
    kEpoch,       ///< EXTRACT only: seconds since the epoch
};
/// Parses a unit name, case-insensitive, singular or plural (`MINUTE`, `minutes`, `DOW`,
/// `DOY`, `MS`, `US`...). Returns false when unknown.
bool parseTimeUnit(std::string_view text, TimeUnit& unit);
std::string_view timeUnitName(TimeUnit unit);

/// EXTRACT(unit FROM timestamp). MILLISECOND/MICROSECOND include the seconds
/// (SECOND 5.25 → MILLISECOND 5250), EPOCH is whole seconds (floor).
int64_t extractFromTimestamp(TimeUnit unit, int64_t micros);
/// DATE_TRUNC(unit, ts): the start of the unit containing ts (weeks start on Monday).
int64_t truncateTimestamp(TimeUnit unit, int64_t micros);
/// Number of unit boundaries crossed from `start` to `end` (negative if end < start),
/// like DATEDIFF(unit, start, end) in SQL Server/Snowflake.
int64_t diffTimestamps(TimeUnit unit, int64_t start, int64_t end);

/// timestamp + interval: months are added on the calendar (the day clamped to the end of
/// the month: Jan 31 + 1 month = Feb 28/29), then the microseconds. False on overflow.
bool addInterval(int64_t micros, IntervalValue interval, int64_t& out);
/// INTERVAL 'n' UNIT → IntervalValue (years/quarters/months in months, weeks and smaller
/// in microseconds). False on overflow.
bool makeInterval(int64_t amount, TimeUnit unit, IntervalValue& out);
/// A duration in shorthand form: `500ms`, `30s`, `5m`, `1h`, `1d`, also `10us`; a bare
/// number is not accepted. Returns false for an unknown unit or malformed text.
bool parseDurationShorthand(std::string_view text, int64_t& micros);
/// Interval as integer milliseconds for output (a month counts as 30 days).
int64_t intervalToMillis(IntervalValue interval);
/// Human form of an interval, e.g. "5 MINUTE", "1 MONTH 2 DAY", for EXPLAIN and errors.
std::string intervalToString(IntervalValue interval);

}  // namespace ferris::types
