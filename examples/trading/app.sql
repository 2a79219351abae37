-- @app: trading_demo
-- @description: Filters and enriches the sample market data with exact decimal arithmetic.

CREATE STREAM trades (
  trade_id STRING, symbol STRING, trader_id STRING, side STRING, venue STRING,
  price DECIMAL(18,4), quantity BIGINT, trade_time BIGINT
) WITH (
  'trades.type' = 'file_source',
  'trades.path' = '../data/trades.jsonl',
  'trades.format' = 'jsonl',
  'trades.event.time.field' = 'trade_time',
  'trades.event.time.format' = 'epoch_millis'
);

CREATE STREAM quotes (
  symbol STRING, bid DECIMAL(18,4), ask DECIMAL(18,4),
  bid_size BIGINT, ask_size BIGINT, quote_time BIGINT
) WITH (
  'quotes.type' = 'file_source',
  'quotes.path' = '../data/quotes.jsonl',
  'quotes.format' = 'jsonl'
);

-- Trades worth more than $250,000, with notional and fees computed exactly.
-- Malformed records go to a dead-letter file with their line and the reason.
-- @name: large_trades
CREATE STREAM large_trades AS
SELECT trade_id, symbol, trader_id, side, venue, price, quantity,
       price * quantity AS notional,
       ROUND(price * quantity * 0.0005, 2) AS commission,
       CASE WHEN quantity >= 1000 THEN 'block' ELSE 'standard' END AS size_class,
       _event_time AS traded_at
FROM trades
WHERE price * quantity > 250000.00
WITH (
  'large_trades.type' = 'file_sink',
  'large_trades.path' = '../out/large_trades.jsonl',
  'large_trades.timestamp.format' = 'iso8601',
  'failure_strategy' = 'send_to_dlq',
  'dlq.path' = '../out/trades_dlq.jsonl'
);

-- Quote quality: spread, mid price and spread in basis points, as CSV.
CREATE STREAM quote_spreads AS
SELECT symbol, bid, ask,
       ask - bid AS spread,
       CAST((bid + ask) / 2 AS DECIMAL(18,5)) AS mid,
       ROUND((ask - bid) / ((bid + ask) / 2) * 10000, 2) AS spread_bps
FROM quotes
WHERE ask > bid
WITH (
  'quote_spreads.type' = 'file_sink',
  'quote_spreads.path' = '../out/quote_spreads.csv',
  'quote_spreads.format' = 'csv'
);
