-- @app: trading_demo_kafka
-- @description: The trading sample app (app.sql) reading and writing Kafka topics.
--
-- A template: scripts/demo-kafka.sh (`make demo-kafka`) writes a copy with
-- ${FERRIS_KAFKA_BOOTSTRAP} replaced by the address of the broker it started, creates the
-- topics and produces the sample data into `trades` and `quotes`. Both sources are bounded:
-- each stops at the end offsets the topic had when the job first started.

CREATE STREAM trades (
  trade_id STRING, symbol STRING, trader_id STRING, side STRING, venue STRING,
  price DECIMAL(18,4), quantity BIGINT, trade_time BIGINT
) WITH (
  'trades.type' = 'kafka_source',
  'trades.topic' = 'trades',
  'trades.bootstrap.servers' = '${FERRIS_KAFKA_BOOTSTRAP}',
  'trades.bounded' = 'latest',
  'trades.format' = 'json',
  'trades.event.time.field' = 'trade_time',
  'trades.event.time.format' = 'epoch_millis'
);

CREATE STREAM quotes (
  symbol STRING, bid DECIMAL(18,4), ask DECIMAL(18,4),
  bid_size BIGINT, ask_size BIGINT, quote_time BIGINT
) WITH (
  'quotes.type' = 'kafka_source',
  'quotes.topic' = 'quotes',
  'quotes.bootstrap.servers' = '${FERRIS_KAFKA_BOOTSTRAP}',
  'quotes.bounded' = 'latest',
  'quotes.format' = 'json'
);

-- Trades worth more than $250,000, with notional and fees computed exactly.
-- Malformed records go to the dead-letter topic with their bytes, offset and the reason.
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
  'large_trades.type' = 'kafka_sink',
  'large_trades.topic' = 'large_trades',
  'large_trades.bootstrap.servers' = '${FERRIS_KAFKA_BOOTSTRAP}',
  'large_trades.format' = 'json',
  'large_trades.timestamp.format' = 'iso8601',
  'failure_strategy' = 'send_to_dlq',
  'dlq.topic' = 'trades_dlq'
);

-- Quote quality: spread, mid price and spread in basis points.
CREATE STREAM quote_spreads AS
SELECT symbol, bid, ask,
       ask - bid AS spread,
       CAST((bid + ask) / 2 AS DECIMAL(18,5)) AS mid,
       ROUND((ask - bid) / ((bid + ask) / 2) * 10000, 2) AS spread_bps
FROM quotes
WHERE ask > bid
WITH (
  'quote_spreads.type' = 'kafka_sink',
  'quote_spreads.topic' = 'quote_spreads',
  'quote_spreads.bootstrap.servers' = '${FERRIS_KAFKA_BOOTSTRAP}',
  'quote_spreads.format' = 'json'
);
