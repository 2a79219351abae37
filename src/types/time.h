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
/// The civil date of a day number (any day a timestamp can reach).
CivilDate civilFromDays(int64_t days);
/// Breaks a timestamp down; times before 1970 floor (-1 µs is 1969-12-31T23:59:59.999999).
CivilTime civilFromMicros(int64_t micros);
/// The inverse of civilFromMicros for valid fields; no range or overflow checking.
int64_t microsFromCivil(const CivilTime& time);
/// Floor division of a timestamp into days, correct for negative values.
int64_t floorDays(int64_t micros);
bool isValidCivilDate(int64_t year, int month, int day);
/// 28..31, or 0 for a month outside 1..12.
int daysInMonth(int64_t year, int month);

/// Outcome of parsing temporal text; the caller turns a failure into a message.
enum class TimeParseStatus : uint8_t { kOk, kInvalid, kOutOfRange };

/// ISO-8601 timestamp: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.f{1,9}]]` (`T` or a space),
/// optional zone `Z`, `z`, `±HH:MM`, `±HHMM`, `±HH` (time forms only); no zone means UTC.
/// Fractions beyond microseconds are truncated. Years are exactly four digits (0000..9999);
/// an otherwise well-formed text with a signed or longer year (`+10000-01-01`, `-0001-01-01`)
/// is kOutOfRange. Fields out of range (Feb 30, hour 24, second 60, offset hour > 23) and
/// any other text (whitespace included) are kInvalid.
TimeParseStatus parseTimestampIso(std::string_view text, int64_t& micros);
/// `YYYY-MM-DD`, with the year rules of parseTimestampIso.
TimeParseStatus parseDate(std::string_view text, int32_t& days);
/// strftime-style pattern parse, used by `event.time.format`. Conversions: `%Y` (4 digits),
/// `%m %d %H %I %M %S` (1-2 digits), `%j` (1-3 digits), `%f` (1-9 fractional digits,
/// truncated to microseconds), `%z` (`Z`, `±HHMM` or `±HH:MM`), `%b` and `%a` (English
/// month/weekday name, abbreviated or full, any case; `%a` is not checked against the date),
/// `%p` (AM/PM, applies to `%I`), `%%`. Literal characters must match exactly; missing fields
/// default to 1970-01-01T00:00:00Z. Never kOutOfRange (a four-digit year always fits).
TimeParseStatus parseTimestampPattern(std::string_view text, std::string_view pattern,
                                      int64_t& micros);

/// `YYYY-MM-DDTHH:MM:SS.sssZ` (millisecond precision, the JSON/CSV output form); the
/// milliseconds floor, so -1000 µs is `1969-12-31T23:59:59.999Z`. A year outside 0..9999 is
/// written in ISO expanded form (`+10000`, `-0001`). `buffer` must hold kTimestampMaxChars;
/// returns bytes written (no terminating NUL).
inline constexpr size_t kTimestampMaxChars = 40;
size_t formatTimestampIso(int64_t micros, char* buffer);
std::string timestampToIsoString(int64_t micros);
/// `YYYY-MM-DD`; returns bytes written into a kTimestampMaxChars buffer.
size_t formatDate(int32_t days, char* buffer);
std::string dateToString(int32_t days);
/// strftime-style formatting, used by DATE_FORMAT: `%Y` (4 digits), `%m %d %H %I %M %S`
/// (2 digits), `%f` (6 digits of microseconds), `%j` (3 digits), `%a`/`%b` (`Mon`, `Jan`),
/// `%p` (`AM`/`PM`), `%z` (always `+0000`), `%%`. An unknown conversion is copied as written.
std::string formatTimestampPattern(int64_t micros, std::string_view pattern);
/// Checks a pattern for unknown conversions (formatting and parsing accept the same set:
/// `%Y %m %d %H %I %M %S %f %j %z %a %b %p %%`); returns the first offending conversion
/// (`"%Q"`, or `"%"` for a trailing lone percent sign) or "".
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
/// The singular upper-case name (`MINUTE`, `DAYOFWEEK`).
std::string_view timeUnitName(TimeUnit unit);
/// DAYOFWEEK, DAYOFYEAR and EPOCH: valid in EXTRACT only, not in INTERVAL, DATE_TRUNC or
/// DATEDIFF (the binder rejects them there).
bool isExtractOnlyUnit(TimeUnit unit);

/// EXTRACT(unit FROM timestamp). MILLISECOND/MICROSECOND include the seconds
/// (SECOND 5.25 → MILLISECOND 5250), EPOCH is whole seconds (floor).
int64_t extractFromTimestamp(TimeUnit unit, int64_t micros);
/// DATE_TRUNC(unit, ts): the start of the unit containing ts (weeks start on Monday). An
/// EXTRACT-only unit returns ts unchanged; a start before the int64 range gives INT64_MIN.
int64_t truncateTimestamp(TimeUnit unit, int64_t micros);
/// Number of unit boundaries crossed from `start` to `end` (negative if end < start),
/// like DATEDIFF(unit, start, end) in SQL Server/Snowflake: YEAR, QUARTER and MONTH compare
/// calendar fields, WEEK counts Mondays, DAY midnights, smaller units floor(ts / unit).
/// An EXTRACT-only unit gives 0; a MICROSECOND difference beyond int64 saturates.
int64_t diffTimestamps(TimeUnit unit, int64_t start, int64_t end);

/// timestamp + interval: months are added on the calendar (the day clamped to the end of
/// the month: Jan 31 + 1 month = Feb 28/29), then the microseconds. False on overflow.
bool addInterval(int64_t micros, IntervalValue interval, int64_t& out);
/// INTERVAL 'n' UNIT → IntervalValue (years/quarters/months in months, weeks and smaller
/// in microseconds). False on overflow (months beyond int32) and for EXTRACT-only units.
bool makeInterval(int64_t amount, TimeUnit unit, IntervalValue& out);
/// A duration in shorthand form: `500ms`, `30s`, `5m`, `1h`, `1d`, also `10us`; a bare
/// number is not accepted. Units `us ms s m h d` in any case (`5M` is five minutes); the
/// amount is unsigned decimal digits. Returns false for an unknown unit, malformed text
/// (signs, spaces, empty) or overflow.
bool parseDurationShorthand(std::string_view text, int64_t& micros);
/// Interval as integer milliseconds for output (a month counts as 30 days; the microseconds
/// truncate toward zero). Cannot overflow: |months| < 2^31.
int64_t intervalToMillis(IntervalValue interval);
/// Human form of an interval, for EXPLAIN and errors: the months part in the largest of
/// YEAR, MONTH that divides it exactly, then the microseconds part in the largest of DAY,
/// HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND that divides it exactly, a part omitted
/// when zero ("5 MINUTE", "90 SECOND", "1 YEAR", "1 MONTH 2 DAY", "-500 MILLISECOND");
/// the zero interval is "0 SECOND". WEEK and QUARTER are never chosen.
std::string intervalToString(IntervalValue interval);

}  // namespace ferris::types
