-- @app: trading_analytics
-- @description: Market analytics over the sample trades: one-minute OHLC bars with VWAP,
--   a five-minute moving average and rolling volatility per symbol, and price outliers.

CREATE STREAM trades (
  trade_id STRING, symbol STRING, trader_id STRING, side STRING, venue STRING,
  price DECIMAL(18,4), quantity BIGINT, trade_time BIGINT
) WITH (
  'trades.type' = 'file_source',
  'trades.path' = '../data/trades.jsonl',
  'trades.event.time.field' = 'trade_time',
  'trades.event.time.format' = 'epoch_millis'
);

-- One-minute bars per symbol: open/close are the first/last trade the window accepted,
-- VWAP = Σ price·quantity / Σ quantity, exact to the last digit before it is rounded.
-- Trades arrive up to 2 s out of order: the watermark waits 2 s before closing a minute.
-- @name: ohlc_1m
CREATE STREAM ohlc_1m AS
SELECT symbol, _window_start AS minute,
       FIRST_VALUE(price) AS open, MAX(price) AS high, MIN(price) AS low, LAST_VALUE(price) AS close,
       SUM(quantity) AS volume,
       ROUND(SUM(price * quantity) / SUM(quantity), 4) AS vwap,
       COUNT(*) AS trades
FROM trades
GROUP BY symbol
WINDOW TUMBLING(1m)
WITH (
  'ohlc_1m.type' = 'file_sink',
  'ohlc_1m.path' = '../out/ohlc_1m.jsonl',
  'ohlc_1m.timestamp.format' = 'iso8601',
  'watermark.max_out_of_orderness' = '2s',
  'failure_strategy' = 'send_to_dlq',
  'dlq.path' = '../out/analytics_dlq.jsonl'
);

-- Every trade with its symbol's five-minute moving average and rolling volatility (the
-- standard deviation of the prices in the same five minutes), in event-time order.
-- @name: moving_stats
CREATE STREAM moving_stats AS
SELECT symbol, trade_id, price, _event_time AS traded_at,
       AVG(price) OVER (PARTITION BY symbol ORDER BY _event_time
                        RANGE BETWEEN INTERVAL '5' MINUTE PRECEDING AND CURRENT ROW) AS ma_5m,
       STDDEV(price) OVER (PARTITION BY symbol ORDER BY _event_time
                           RANGE BETWEEN INTERVAL '5' MINUTE PRECEDING AND CURRENT ROW) AS vol_5m,
       COUNT(*) OVER (PARTITION BY symbol ORDER BY _event_time
                      RANGE BETWEEN INTERVAL '5' MINUTE PRECEDING AND CURRENT ROW) AS n_5m
FROM trades
WITH (
  'moving_stats.type' = 'file_sink',
  'moving_stats.path' = '../out/moving_stats.jsonl',
  'watermark.max_out_of_orderness' = '2s'
);

-- Outliers: trades priced beyond the moving average ± 3 σ (with at least 20 trades in the
-- five minutes), read back from moving_stats' output once that job has finished.
CREATE STREAM stats (
  symbol STRING, trade_id STRING, price DECIMAL(18,4), traded_at BIGINT,
  ma_5m DECIMAL(38,6), vol_5m DOUBLE, n_5m BIGINT
) WITH (
  'stats.type' = 'file_source',
  'stats.path' = '../out/moving_stats.jsonl'
);

-- @name: outliers
CREATE STREAM outliers AS
SELECT symbol, trade_id, price, ma_5m, vol_5m,
       ROUND((price - ma_5m) / vol_5m, 2) AS z_score
FROM stats
WHERE n_5m >= 20 AND vol_5m > 0 AND ABS(price - ma_5m) > 3 * vol_5m
WITH (
  'outliers.type' = 'file_sink',
  'outliers.path' = '../out/outliers.jsonl'
);
