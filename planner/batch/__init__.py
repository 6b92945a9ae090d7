"""Many runs: batch files (spec), the process/Dask runner and its workers, the results store, comparisons."""
