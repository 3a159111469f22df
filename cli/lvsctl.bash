# bash completion for lvsctl (installed as
# /usr/share/bash-completion/completions/lvsctl). Completes the commands,
# each command's options, files after import-keepalived and --socket, and
# interface names after --dev. tests/cli/completion_test.py checks that it
# offers exactly what `lvsctl --help` and `lvsctl COMMAND --help` list.

_lvsctl() {
  local cur prev words cword
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  words=("${COMP_WORDS[@]}")
  cword=$COMP_CWORD

  local commands="list save connections import-keepalived status reload restart drain undrain enable disable drain-node undrain-node frr-config realserver"
  local global_opts="-h --help --version --socket"

  case $prev in
    --socket)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --dev)
      COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
    -f|--config)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --vip|--timeout|--neighbor|--local-as|--remote-as|--router-id|--bfd-interval)
      COMPREPLY=(); return ;;
  esac

  # The command (and realserver's action) are the first words that are
  # neither options nor the value of --socket.
  local cmd="" action="" i w
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    case $w in
      --socket) ((i++)) ;;
      -*) ;;
      *)
        if [ -z "$cmd" ]; then cmd=$w
        elif [ "$cmd" = realserver ] && [ -z "$action" ]; then action=$w
        fi ;;
    esac
  done

  local opts=""
  case $cmd in
    "")
      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
      else COMPREPLY=($(compgen -W "$commands" -- "$cur")); fi
      return ;;
    list) opts="--stats --rate --thresholds --persistent-conn --tun-info --exact -c --connections --json" ;;
    save|connections|status|reload|restart|undrain|enable|disable|undrain-node) opts="--json" ;;
    drain-node) opts="--stop --json" ;;
    frr-config) opts="-f --config --neighbor --local-as --remote-as --router-id --bfd-interval --bird" ;;
    drain) opts="--timeout --json" ;;
    import-keepalived)
      [[ $prev == -i || $prev == --config-id ]] && return
      if [[ $cur != -* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
      opts="-i --config-id" ;;
    realserver)
      if [ -z "$action" ]; then
        [[ $cur == -* ]] || { COMPREPLY=($(compgen -W "up down status" -- "$cur")); return; }
      else
        opts="--vip --dev --json"
      fi ;;
    *) return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "-h --help $opts" -- "$cur"))
  fi
}
complete -F _lvsctl lvsctl
