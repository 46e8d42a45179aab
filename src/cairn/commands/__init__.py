"""Sub-commands of `cairn` beyond serve/worker (data import/export, keys, stats), and the
options and helpers every command shares."""
