import type { CommandModule } from 'yargs';

// Placeholder until the command is built; replaced by its owner.
export const startCommand: CommandModule = {
  command: 'start',
  describe: false,
  handler: () => {
    throw new Error('start: not implemented yet');
  },
};
