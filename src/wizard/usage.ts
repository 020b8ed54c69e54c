/** What `init` says when it cannot ask (no terminal): how to give the answers as a file instead. */
export const ANSWERS_FILE_HELP = `clamprovision init asks its questions on a terminal, and stdin is not one.
Without a terminal, give the answers as a YAML or JSON file:

  clamprovision init --answers answers.yml [--output inventory.yml]

The keys (defaults in parentheses; relative paths are taken from the current directory):

  servers:                      # one or more
    - address: 192.0.2.10       # DNS name or IP (required)
      user: deploy              # SSH user (root)
      port: 22                  # SSH port (22)
      key_file: ~/.ssh/id_ed25519   # (first of ~/.ssh/id_ed25519, id_rsa; empty: the ssh-agent)
      sudo: true                # become root with sudo (true unless user is root)
      sudo_password: true       # sudo asks for a password: read from $BECOME_PASSWORD (true)
  webserver: nginx              # nginx | apache-uwsgi | apache-wsgi (nginx)
  services:                     # one or more
    - source: ./myservice       # local directory (.)
      wsgi: myservice.wsgi      # inside source (the only *.wsgi file there)
      name: myservice           # [A-Za-z0-9_]+ (the WSGI script's name without .wsgi)
      url_prefix: /             # (/ for the first service, /NAME for the others)
      pip_packages: [clam]      # extra packages for the virtualenv (clam if the script imports it)
  server_name: clam.example.org # (the first server's address)
  tls: {cert: cert.pem, key: key.pem}   # HTTPS (none); or tls: {acme: {email: you@example.org}} (Let's Encrypt)
  firewall: true                # manage ufw (true)
  pip_index_url: https://pypi.example.org/simple   # private index (PyPI)
  pip_trusted_host: pypi.example.org               # (the index's host when it is plain http)
`;
