import type { CommandModule } from 'yargs';

// Placeholder until the command is built; replaced by its owner.
export const demoCommand: CommandModule = {
  command: 'demo',
  describe: false,
  handler: () => {
    throw new Error('demo: not implemented yet');
  },
};
