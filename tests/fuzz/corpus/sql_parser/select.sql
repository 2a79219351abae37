SELECT a, b + 1 AS c FROM t WHERE x IN (1, 2) AND y LIKE 'a%' LIMIT 3;
