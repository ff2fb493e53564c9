"""Pure business rules: plain values in, plain values out; no Flask, no database."""
