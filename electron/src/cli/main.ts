process.stdout.write('ultrabase CLI\n');
