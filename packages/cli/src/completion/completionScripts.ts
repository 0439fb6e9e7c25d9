import type { CommandSpec } from "./CommandSpec.ts";

/** Words are command and option names (`[a-z-]`), so they need no quoting; a summary goes inside '…' after `name:`. */
function zshQuote(text: string): string {
  return text.replace(/'/g, "'\\''").replace(/:/g, "\\:");
}

/**
 * `afsync completion bash`: a `complete -F` function. The first word completes to a command, the
 * second to a subcommand where the command has them, the rest to the command's options; after an
 * option that takes a file (and wherever nothing matches) it completes file names.
 */
export function bashCompletion(specs: readonly CommandSpec[]): string {
  const cases = specs.map((s) => {
    const subs = s.subcommands.length > 0 ? `\n      if [ "$COMP_CWORD" -eq 2 ]; then words="${s.subcommands.join(" ")}"; fi` : "";
    const files =
      s.fileOptions.length > 0
        ? `\n      case "$prev" in ${s.fileOptions.join("|")}) COMPREPLY=( $(compgen -f -- "$cur") ); return 0;; esac`
        : "";
    return `    ${s.name})${files}\n      words="${s.options.join(" ")}"${subs}\n      ;;`;
  });
  return `# afsync completion for bash. Load it with: source <(afsync completion bash)
_afsync() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" words=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${specs.map((s) => s.name).join(" ")} --help --version" -- "$cur") )
    return 0
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join("\n")}
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _afsync afsync
`;
}

/** `afsync completion zsh`: a `#compdef` function (commands with their summaries), also loadable with `source`. */
export function zshCompletion(specs: readonly CommandSpec[]): string {
  const commands = specs.map((s) => `    '${s.name}:${zshQuote(s.summary)}'`).join("\n");
  const cases = specs.map((s) => {
    const files = s.fileOptions.length > 0 ? `\n      case "$words[CURRENT-1]" in ${s.fileOptions.join("|")}) _files; return;; esac` : "";
    const subs = s.subcommands.length > 0 ? `\n      if (( CURRENT == 3 )); then compadd -- ${s.subcommands.join(" ")}; return; fi` : "";
    return `    ${s.name})${files}${subs}\n      compadd -- ${s.options.join(" ")}\n      ;;`;
  });
  return `#compdef afsync
# afsync completion for zsh. Put it on $fpath as _afsync, or load it with: source <(afsync completion zsh)
_afsync() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'afsync command' commands
    return
  fi
  case "$words[2]" in
${cases.join("\n")}
  esac
}
if [ "$funcstack[1]" = "_afsync" ]; then
  _afsync "$@"
else
  compdef _afsync afsync
fi
`;
}
