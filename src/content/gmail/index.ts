console.log('gmail')
