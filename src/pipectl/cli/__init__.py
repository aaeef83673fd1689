"""Click commands only: parse, build objects, call one service, render the result."""
