"""``strata completion bash|zsh``: shell completion scripts, generated from the parser itself.

    eval "$(strata completion bash)"            # in ~/.bashrc
    strata completion zsh > ~/.zfunc/_strata    # with fpath+=(~/.zfunc) before compinit in ~/.zshrc

The script holds a table built from argparse's tree: for each command path ("", "keys",
"keys create"...) its subcommands, its options, and the choices of options that have them. The
shell walks the words typed so far down that tree; nothing runs Python at completion time.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass, field


@dataclass
class Level:
    commands: dict[str, str] = field(default_factory=dict)  # name -> help
    options: list[str] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)  # option -> its choices


def tree(
    parser: argparse.ArgumentParser, path: str = "strata", found: dict[str, Level] | None = None
) -> dict[str, Level]:
    """Every command path of ``parser`` ("strata", "strata keys"...) and what may follow it."""
    found = {} if found is None else found
    level = found.setdefault(path, Level())
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                level.commands[name] = helps.get(name, "")
                tree(sub, f"{path} {name}", found)
        elif action.option_strings:
            level.options += action.option_strings
            if action.choices:
                for option in action.option_strings:
                    level.choices[option] = [str(c) for c in action.choices]
    return found


def _assoc(name: str, entries: dict[str, str]) -> str:
    lines = [f"  [{shlex.quote(key)}]={shlex.quote(value)}" for key, value in entries.items()]
    return f"{name}=(\n" + "\n".join(lines) + "\n)"


def _tables(levels: dict[str, Level], prefix: str) -> str:
    commands = {path: " ".join(level.commands) for path, level in levels.items()}
    words = {path: " ".join([*level.commands, *level.options]) for path, level in levels.items()}
    choices = {f"{path}|{opt}": " ".join(c) for path, level in levels.items() for opt, c in level.choices.items()}
    return "\n".join(
        [
            f"typeset -gA {prefix}_commands {prefix}_words {prefix}_choices",
            _assoc(f"{prefix}_commands", commands),
            _assoc(f"{prefix}_words", words),
            _assoc(f"{prefix}_choices", choices),
        ]
    )


_BASH = r"""# bash completion for strata (strata completion bash)
{tables}

_strata() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} cmd=strata word i
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${{COMP_WORDS[i]}}
        if [[ " ${{_strata_commands[$cmd]}} " == *" $word "* ]]; then
            cmd="$cmd $word"
        fi
    done
    local choices=${{_strata_choices["$cmd|$prev"]}}
    if [[ -n $choices ]]; then
        COMPREPLY=($(compgen -W "$choices" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "${{_strata_words[$cmd]}}" -- "$cur"))
    fi
}}
complete -F _strata strata
"""

_ZSH = r"""#compdef strata
# zsh completion for strata (strata completion zsh)
{tables}

_strata() {{
    local cmd=strata word i
    for ((i = 2; i < CURRENT; i++)); do
        word=${{words[i]}}
        if [[ " ${{_strata_commands[$cmd]}} " == *" $word "* ]]; then
            cmd="$cmd $word"
        fi
    done
    local choices=${{_strata_choices[$cmd|${{words[CURRENT-1]}}]}}
    if [[ -n $choices ]]; then
        compadd -- ${{=choices}}
    else
        compadd -- ${{=_strata_words[$cmd]}}
    fi
}}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _strata "$@"
else
    compdef _strata strata
fi
"""


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    tables = _tables(tree(parser), "_strata")
    return (_BASH if shell == "bash" else _ZSH).format(tables=tables)


def _completion(args: argparse.Namespace) -> int:
    from gateway.cli import build_parser

    sys.stdout.write(script(build_parser(), args.shell))
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script",
        description='Print a completion script: eval "$(strata completion bash)", or save the zsh one as _strata '
        "in a folder of your $fpath.",
    )
    completion.add_argument("shell", choices=("bash", "zsh"))
    completion.set_defaults(handler=_completion)
