import type { CommandModule } from 'yargs';

// Placeholder until the command is built; replaced by its owner.
export const configCommand: CommandModule = {
  command: 'config',
  describe: false,
  handler: () => {
    throw new Error('config: not implemented yet');
  },
};
