FROM swift:6.0-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        pkg-config libpq-dev libpng-dev libjpeg-dev libtiff-dev libopenblas-dev libfreetype-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN swift build -c release --product sigverify && cp "$(swift build -c release --show-bin-path)/sigverify" /usr/local/bin/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpq5 libpng16-16 libjpeg62-turbo libtiff6 libopenblas0-pthread libfreetype6 fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/sigverify /usr/local/bin/sigverify
COPY --from=build /usr/lib/swift/linux/*.so /usr/lib/swift/linux/
COPY --from=build /src/models /opt/sigverify/models
COPY --from=build /src/migrations /opt/sigverify/migrations
RUN useradd --system --uid 10001 --no-create-home sigverify
USER sigverify
ENV LD_LIBRARY_PATH=/usr/lib/swift/linux \
    SIGVERIFY_MODEL_DIR=/opt/sigverify/models/default \
    SIGVERIFY_MIGRATIONS=/opt/sigverify/migrations
ENTRYPOINT []
# Liveness of `sigverify work --metrics-address 0.0.0.0:9464` (docker-compose.yml starts workers so):
# GET /healthz with bash's /dev/tcp (no curl in the image); 503 = a worker loop stalled.
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["bash", "-c", \
    "exec 3<>/dev/tcp/127.0.0.1/9464 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
