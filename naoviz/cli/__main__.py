from naoviz.cli import command

command()
