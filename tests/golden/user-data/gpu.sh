#!/bin/bash
# Boot script of the AI stack host, rendered by strata from stacks/ai-stack/user-data.sh.tpl.
# Deployment ai-stack-gpu, tier gpu.
# It installs Docker and the compose plugin, mounts the persistent data store, writes a compose
# file with only this tier's services and starts them. Secrets never appear here: they are
# read from SSM Parameter Store when present, else generated on the host on first boot.
set -euo pipefail
exec > >(tee -a /var/log/strata-user-data.log) 2>&1
echo "strata user data: start $(date -Is)"

readonly STACK_DIR=/opt/ai-stack
readonly DATA_DIR=/opt/ai-stack/data
readonly REGION="us-east-1"
readonly PARAM_PREFIX="/strata/ai-stack-gpu"
readonly COMPOSE_VERSION="2.29.7"

retry() {
  local attempts=$1
  shift
  local n=1
  until "$@"; do
    if [ "$n" -ge "$attempts" ]; then
      echo "failed after $n attempts: $*" >&2
      return 1
    fi
    sleep $((n * 5))
    n=$((n + 1))
  done
}

# --- Docker and the compose plugin -----------------------------------------------------------
retry 5 dnf install -y docker
systemctl enable --now docker
mkdir -p /usr/local/lib/docker/cli-plugins
retry 5 curl -fsSL -o /usr/local/lib/docker/cli-plugins/docker-compose \
  "https://github.com/docker/compose/releases/download/v${COMPOSE_VERSION}/docker-compose-linux-x86_64"
chmod 0755 /usr/local/lib/docker/cli-plugins/docker-compose
docker compose version

# --- NVIDIA container toolkit (the AMI brings the driver) --------------------------------------
retry 5 curl -fsSL -o /etc/yum.repos.d/nvidia-container-toolkit.repo \
  https://nvidia.github.io/libnvidia-container/stable/rpm/nvidia-container-toolkit.repo
retry 5 dnf install -y nvidia-container-toolkit
nvidia-ctk runtime configure --runtime=docker
systemctl restart docker
nvidia-smi

# --- Persistent data ----------------------------------------------------------------------------
mkdir -p "$DATA_DIR"
retry 5 dnf install -y amazon-efs-utils
# Mount targets can become available after the host boots: keep trying for ten minutes.
retry 40 mount -t efs -o tls "efs_file_system-fake-shared:/" "$DATA_DIR"
grep -q "$DATA_DIR" /etc/fstab || echo "efs_file_system-fake-shared:/ $DATA_DIR efs _netdev,tls,nofail 0 0" >> /etc/fstab

# --- Secrets --------------------------------------------------------------------------------------
# SecureString parameters under $PARAM_PREFIX win; otherwise a value is generated once and kept
# on the data store (so a replaced host keeps the same keys), readable by root only.
SECRETS="$DATA_DIR/secrets.env"
secret() {
  local name=$1 value
  value=$(aws ssm get-parameter --region "$REGION" --with-decryption \
    --name "$PARAM_PREFIX/$name" --query Parameter.Value --output text 2>/dev/null || true)
  if [ -z "$value" ] || [ "$value" = "None" ]; then
    value=$(grep -s "^$(echo "$name" | tr '[:lower:]-' '[:upper:]_')=" "$SECRETS" | cut -d= -f2- || true)
  fi
  if [ -z "$value" ]; then
    value=$(openssl rand -hex 32)
  fi
  printf '%s' "$value"
}
umask 077
POSTGRES_PASSWORD=$(secret postgres-password)
N8N_ENCRYPTION_KEY=$(secret n8n-encryption-key)
printf 'POSTGRES_PASSWORD=%s\nN8N_ENCRYPTION_KEY=%s\n' "$POSTGRES_PASSWORD" "$N8N_ENCRYPTION_KEY" > "$SECRETS"
umask 022
unset POSTGRES_PASSWORD N8N_ENCRYPTION_KEY

# --- The compose file: only the services of this tier ---------------------------------------------
mkdir -p "$STACK_DIR"
cat > "$STACK_DIR/compose.yaml" <<'COMPOSE'
name: ai-stack
services:
  postgres:
    image: postgres:16-alpine
    restart: unless-stopped
    environment:
      POSTGRES_USER: n8n
      POSTGRES_DB: n8n
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
    volumes:
      - /opt/ai-stack/data/postgres:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U n8n -d n8n"]
      interval: 10s
      timeout: 5s
      retries: 10
  n8n:
    image: docker.n8n.io/n8nio/n8n:1.64.3
    restart: unless-stopped
    ports:
      - "5678:5678"
    environment:
      DB_TYPE: postgresdb
      DB_POSTGRESDB_HOST: postgres
      DB_POSTGRESDB_DATABASE: n8n
      DB_POSTGRESDB_USER: n8n
      DB_POSTGRESDB_PASSWORD: ${POSTGRES_PASSWORD}
      N8N_ENCRYPTION_KEY: ${N8N_ENCRYPTION_KEY}
      N8N_SECURE_COOKIE: "false"
      GENERIC_TIMEZONE: UTC
    volumes:
      - /opt/ai-stack/data/n8n:/home/node/.n8n
    depends_on:
      postgres:
        condition: service_healthy
    healthcheck:
      test: ["CMD-SHELL", "wget -qO- http://127.0.0.1:5678/healthz || exit 1"]
      interval: 30s
      timeout: 5s
      retries: 5
  ollama:
    image: ollama/ollama:0.4.7
    restart: unless-stopped
    ports:
      - "11434:11434"
    volumes:
      - /opt/ai-stack/data/ollama:/root/.ollama
    healthcheck:
      test: ["CMD", "ollama", "list"]
      interval: 30s
      timeout: 10s
      retries: 5
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: all
              capabilities: [gpu]
  qdrant:
    image: qdrant/qdrant:v1.12.4
    restart: unless-stopped
    ports:
      - "6333:6333"
      - "6334:6334"
    volumes:
      - /opt/ai-stack/data/qdrant:/qdrant/storage
    healthcheck:
      test: ["CMD-SHELL", "bash -c ':> /dev/tcp/127.0.0.1/6333' || exit 1"]
      interval: 30s
      timeout: 5s
      retries: 5
COMPOSE

mkdir -p "$DATA_DIR/postgres" "$DATA_DIR/n8n" "$DATA_DIR/ollama" "$DATA_DIR/qdrant"
# n8n runs as uid 1000 in its image.
chown 1000:1000 "$DATA_DIR/n8n"
retry 5 docker compose --project-directory "$STACK_DIR" --env-file "$SECRETS" -f "$STACK_DIR/compose.yaml" up -d

# Models download in the background: a large model must not hold up the rest of the boot.
MODELS=(llama3.1:8b)
(
  for model in "${MODELS[@]}"; do
    retry 3 docker compose -f "$STACK_DIR/compose.yaml" exec -T ollama ollama pull "$model"
  done
) &

# --- Spot interruption watcher ---------------------------------------------------------------------
# AWS posts a notice two minutes before reclaiming a spot host: stop the containers cleanly so
# PostgreSQL and Qdrant flush to the data store.
cat > /usr/local/bin/ai-stack-spot-watcher <<'WATCHER'
#!/bin/bash
set -u
while true; do
  token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token \
    -H "X-aws-ec2-metadata-token-ttl-seconds: 300" || true)
  if [ -n "$token" ] && curl -fsS -o /dev/null -H "X-aws-ec2-metadata-token: $token" \
    http://169.254.169.254/latest/meta-data/spot/instance-action; then
    logger -t ai-stack "spot interruption notice: stopping the services"
    docker compose -f /opt/ai-stack/compose.yaml stop --timeout 90
    sync
    exit 0
  fi
  sleep 5
done
WATCHER
chmod 0755 /usr/local/bin/ai-stack-spot-watcher
cat > /etc/systemd/system/ai-stack-spot-watcher.service <<'UNIT'
[Unit]
Description=Stop the AI stack cleanly on a spot interruption notice
After=docker.service
Requires=docker.service

[Service]
ExecStart=/usr/local/bin/ai-stack-spot-watcher
Restart=on-failure

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now ai-stack-spot-watcher.service

mkdir -p /var/lib/strata
date -Is > /var/lib/strata/ready
echo "strata user data: done $(date -Is)"
