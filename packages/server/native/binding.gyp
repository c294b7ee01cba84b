{
  "targets": [
    {
      "target_name": "scriba_verify",
      "sources": ["src/verify.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
