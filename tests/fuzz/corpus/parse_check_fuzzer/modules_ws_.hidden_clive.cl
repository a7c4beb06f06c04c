this is not clive and is never read
