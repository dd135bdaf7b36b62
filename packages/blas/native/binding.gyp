{
  "targets": [
    {
      "target_name": "openblas",
      "sources": ["openblas.c"],
      "libraries": ["-lopenblas"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
